// The README's TypeScript snippets, copied literally into a scratch project (a temp dir with
// `percore` and `tsx` linked into its node_modules, as an installed dependency would be):
// generated with the real codegen CLI, type-checked with tsc (strict, erasable syntax only, so
// the same files run under Node >= 22.18's type stripping), and run the way the README says
// (Node 20: node --import tsx main.ts) against a real server that must then hold what they recorded.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../examples/lib/processes.ts";
import { scalar, startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";

/** Every fenced ts block preceded by `<!-- readme-snippet: <file> -->`, as { file: code }. */
function readmeSnippets(markdown: string): Record<string, string> {
  const out: Record<string, string> = {};
  const marker = /<!-- readme-snippet: ([\w.-]+) -->\r?\n```ts\r?\n([\s\S]*?)\r?\n```/g;
  for (const m of markdown.matchAll(marker)) out[m[1]] = m[2] + "\n";
  return out;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(child.pid!, "SIGKILL"), 120_000);
    child.once("exit", (code) => (clearTimeout(timer), resolve({ code, output })));
  });
}

let server: ServerProcess | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("README snippets", () => {
  it("are found by their markers", () => {
    expect(Object.keys(readmeSnippets(readFileSync(join(ROOT, "README.md"), "utf8"))).sort()).toEqual(["main.ts", "schema.ts", "worker.ts"]);
  });

  it("generate, compile with tsc and run in a scratch project, and the server gets what they recorded", async () => {
    const snippets = readmeSnippets(readFileSync(join(ROOT, "README.md"), "utf8"));
    const dir = mkdtempSync(join(tmpdir(), "percore-readme-"));
    dirs.push(dir);
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "percore"), "dir");
    symlinkSync(join(ROOT, "node_modules", "tsx"), join(dir, "node_modules", "tsx"), "dir");
    mkdirSync(join(dir, "node_modules", "@types"));
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "readme-scratch", private: true, type: "module" }));
    for (const [file, code] of Object.entries(snippets)) writeFileSync(join(dir, file), code);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          erasableSyntaxOnly: true,
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["*.ts"],
      }),
    );

    const gen = await run(process.execPath, [join(ROOT, "bin", "telemetry-codegen.js"), "schema.ts", "--out", "telemetry.generated.ts"], dir);
    expect(gen.output).toContain("wrote telemetry.generated.ts");
    expect(gen.code).toBe(0);
    const tsc = await run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."], dir);
    expect(tsc.output).toBe("");
    expect(tsc.code).toBe(0);

    server = await startServerProcess({ store: tempStore("readme") });
    const main = await run(process.execPath, ["--import", "tsx", "main.ts"], dir, { TELEMETRY_URL: server.url });
    expect(main.output).toBe("");
    expect(main.code).toBe(0);
    // worker.ts: requests.inc("GET", "2xx") and the bound handle's inc(): 2; payloadSize 512.
    expect(await scalar(server.url, "SELECT sum(value) FROM metric_points WHERE metric = 'http.server.requests'")).toBe(2);
    expect(await scalar(server.url, "SELECT sum(value) FROM metric_points WHERE metric = 'http.server.payload_size'")).toBe(512);
  }, 180_000);
});
