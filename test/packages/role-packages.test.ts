// The three role packages, as a user gets them: packed by .ci/pack-roles.mjs, each installed with
// `npm install --omit=dev <tarball>` into an empty project (the npm registry serves their
// dependencies). Then, from those installs only: the generator writes a module from a schema, a
// service built on the SDK records with it and ships to the server, and the server stores it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query } from "../../examples/lib/server-query.ts";
import { DEMO_SCHEMA, ROOT } from "../codegen/helpers.ts";

const SDK_LIMIT_BYTES = 5 * 1024 * 1024;
const projects: string[] = [];
const tarballs = new Map<string, string>();
let server: ChildProcess | undefined;

function run(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} in ${cwd} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** An empty ESM project with tarballs installed as a user would (production dependencies only). */
function install(pkg: string, extra: readonly string[] = [], also: readonly string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), `percore-${pkg}-`));
  projects.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error", ...extra, tarballs.get(pkg)!, ...also.map((p) => tarballs.get(p)!)], dir);
  return dir;
}

/** Files under `dir` (recursively), as paths relative to it. */
function files(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path: path.slice(dir.length + 1), size: statSync(path).size };
    });
}

beforeAll(() => {
  const out = run(process.execPath, [join(ROOT, ".ci/pack-roles.mjs")], ROOT);
  for (const m of out.matchAll(/^(\S+) (\S+\.tgz) packed/gm)) tarballs.set(m[1]!, join(ROOT, m[2]!));
  expect([...tarballs.keys()]).toEqual(["percore", "percore-codegen", "percore-server"]);
}, 300_000);

afterAll(() => {
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, "SIGTERM");
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

describe("role packages installed from their tarballs into empty projects", () => {
  let sdk = "";
  let generated = "";
  let serverUrl = "";

  it("percore (the SDK): at most 5 MB installed, and no native module unless the optional msgpackr extension", () => {
    const dir = install("percore");
    const all = files(join(dir, "node_modules"));
    const bytes = all.reduce((a, f) => a + f.size, 0);
    expect(bytes).toBeLessThanOrEqual(SDK_LIMIT_BYTES);
    const native = all.filter((f) => f.path.endsWith(".node")).map((f) => f.path);
    expect(native.filter((p) => !p.startsWith("@msgpackr-extract/"))).toEqual([]);
    // Nothing the server, the generator or the OTLP exporter needs comes along.
    const heavy = all.filter((f) => /^(@duckdb|ts-morph|@ts-morph|tsx|esbuild|@opentelemetry|otlp-proto-messages|piscina)\//.test(f.path));
    expect(heavy.map((f) => f.path)).toEqual([]);
  }, 300_000);

  it("percore without optional dependencies: no .node file at all", () => {
    const dir = install("percore", ["--omit=optional"]);
    expect(files(join(dir, "node_modules")).filter((f) => f.path.endsWith(".node"))).toEqual([]);
    // The SDK service below runs on this install: msgpackr without its native extension.
    sdk = dir;
  }, 300_000);

  it("percore and percore-server install together into one project (a service and its server side by side)", () => {
    const dir = install("percore", [], ["percore-server"]);
    expect(run("npx", ["--no-install", "telemetry-server", "--help"], dir)).toMatch(/telemetry-server/);
    const version = (p: string) => JSON.parse(readFileSync(join(dir, "node_modules", p, "package.json"), "utf8")).version as string;
    expect(version("percore")).toBe(version("percore-server"));
  }, 300_000);

  it("percore-codegen: npx telemetry-codegen --help, then generates a module from a schema", () => {
    const dir = install("percore-codegen");
    expect(run("npx", ["--no-install", "telemetry-codegen", "--help"], dir)).toMatch(/^usage: telemetry-codegen <schema\.ts>/im);
    cpSync(join(ROOT, DEMO_SCHEMA), join(dir, "schema.ts"));
    const wrote = run("npx", ["--no-install", "telemetry-codegen", "schema.ts", "--out", "telemetry.generated.ts", "--grafana", "dashboard.json"], dir);
    expect(wrote).toMatch(/wrote telemetry\.generated\.ts/);
    expect(wrote).toMatch(/wrote dashboard\.json/);
    generated = join(dir, "telemetry.generated.ts");
  }, 300_000);

  it("percore-server: npx telemetry-server --store ... --port 0 starts and answers", async () => {
    const dir = install("percore-server");
    const proc = spawn("npx", ["--no-install", "telemetry-server", "--store", join(dir, "telemetry.duckdb"), "--port", "0"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: npx does not pass a signal on to the server it started, so
      // afterAll stops the whole group (npx and the server) by the group's id.
      detached: true,
    });
    server = proc;
    let out = "";
    serverUrl = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", onData);
      proc.once("exit", (code) => reject(new Error(`telemetry-server exited ${code} before listening:\n${out}`)));
    });
    const health = await fetch(`${serverUrl}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { ok: true } });
  }, 300_000);

  it("a service on the SDK install records with the generated module and ships to that server", async () => {
    expect(sdk && generated && serverUrl).toBeTruthy();
    // Node 20 cannot run TypeScript itself: the user's build step, here TypeScript's transpiler.
    const js = ts.transpileModule(readFileSync(generated, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(sdk, "telemetry.generated.js"), js);
    writeFileSync(
      join(sdk, "main.js"),
      `import { Collector } from "percore/runtime";
import { ServerExporter } from "percore/export";
import { HttpServer } from "./telemetry.generated.js";

const collector = new Collector({ cadenceMs: 50, exporters: [new ServerExporter({ url: process.argv[2], transport: "http" })] }).start();
const http = new HttpServer({ workerId: 7, route: "/packaged" });
for (let i = 0; i < 5; i++) http.requests.inc("GET", "2xx");
await collector.shutdown();
`,
    );
    run(process.execPath, ["main.js", serverUrl], sdk);
    const r = await query(serverUrl, "SELECT sum(value) FROM metric_points WHERE metric = 'http.server.requests'");
    expect(Number(r.rows[0]?.[0])).toBe(5);
  }, 300_000);
});
