// Shared by the codegen tests: repository paths, scratch directories inside the repo (so module
// resolution of `percore/...` works exactly as for a user), and running the real CLI process.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../codegen/cli.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BAD = "test/fixtures/bad-schemas";
export const GOOD = "test/fixtures/schemas";
export const DEMO_SCHEMA = "examples/demo/schema.ts";
export const DEMO_GENERATED = "examples/demo/telemetry.generated.ts";

/** A fresh, empty directory under test/.generated/codegen/ (gitignored, and skipped by the project tsconfig). */
export function scratchDir(name: string): string {
  const dir = join(ROOT, "test/.generated/codegen", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `telemetry-codegen` from source, as `node --conditions=source --import tsx codegen/cli.ts`, in the repo root. */
export function runCli(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(ROOT, "codegen/cli.ts"), ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The CLI's main() in this process, from the repo root: the binary's code path without a process start. */
export function runInProcess(args: readonly string[]): CliRun {
  let stdout = "";
  let stderr = "";
  const code = main(args, { out: (l) => (stdout += l + "\n"), err: (l) => (stderr += l + "\n"), cwd: ROOT });
  return { code, stdout, stderr };
}

/** Lines of an output, without the final empty one. */
export const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");
