// Runs one example script to completion as a child process (TypeScript through tsx, like the npm
// scripts), bounded in time: past the limit the child is killed by its pid and the test fails.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { ROOT, TS_NODE_ARGS } from "../../examples/lib/processes.ts";

export interface ScriptResult {
  readonly code: number | string;
  readonly output: string;
}

export function runScript(script: string, args: readonly string[], timeoutMs = 60_000): Promise<ScriptResult> {
  const proc = spawn(process.execPath, [...TS_NODE_ARGS, script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.kill(proc.pid!, "SIGKILL");
      output += `\n[killed after ${timeoutMs} ms]`;
    }, timeoutMs);
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, output });
    });
  });
}

/** A fresh DuckDB path under .tmp/ (ignored by git). */
export function tempStore(name: string): string {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  return join(mkdtempSync(join(ROOT, ".tmp", `examples-${name}-`)), "telemetry.duckdb");
}
