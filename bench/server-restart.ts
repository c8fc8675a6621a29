// Restart cost of the telemetry server with many historical streams: how long from spawning the
// process to its "listening" line, and its RSS then, for an empty store and for a store holding
// `streams` closed streams (each opened with one set of 3 fields and 2 series, then closed).
//
//   node --conditions=source --import tsx bench/server-restart.ts [streams=10000] [cli=src/cli/telemetry-server.ts]
//
// The store is built once through the real server (one WebSocket, one opening batch per stream)
// and kept under .tmp/ for later runs. `cli` lets the same store be timed against another
// checkout's server (e.g. `git archive <commit> src | tar -x -C .tmp/base`).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { unpack } from "msgpackr";
import WebSocket from "ws";
import { encodeBatch } from "../src/wire/codec.ts";
import { batch } from "../test/server/helpers/batches.ts";

const ROOT = resolve(import.meta.dirname, "..");
const STREAMS = Number(process.argv[2] ?? 10_000);
const CLI = resolve(ROOT, process.argv[3] ?? "src/cli/telemetry-server.ts");

interface Started {
  readonly ms: number;
  readonly rssMiB: number;
  readonly url: string;
  stop(): Promise<void>;
}

async function start(store: string): Promise<Started> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CLI, "--store", store, "--port", "0"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((ok, fail) => {
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) ok(m[1]);
    });
    proc.once("exit", (c) => fail(new Error(`server exited ${c}: ${out}`)));
  });
  const ms = performance.now() - t0;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"));
  const exited = new Promise((r) => proc.once("exit", r));
  return { ms, rssMiB: Number(rss?.[1] ?? 0) / 1024, url, stop: async () => void (proc.kill("SIGTERM"), await exited) };
}

async function build(store: string): Promise<void> {
  const s = await start(store);
  const ws = new WebSocket(s.url.replace("http", "ws") + "/v1/ws");
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  let acked = 0;
  const done = new Promise<void>((r) =>
    ws.on("message", (d: Buffer) => {
      const a = unpack(d) as { error?: unknown };
      if (a.error) throw new Error(JSON.stringify(a.error));
      if (++acked === STREAMS) r();
    }),
  );
  for (let i = 0; i < STREAMS; i++) ws.send(encodeBatch(batch(`history-${i}`, 1)));
  await done;
  ws.close();
  await s.stop();
}

const dir = join(ROOT, ".tmp", `restart-${STREAMS}`);
mkdirSync(dir, { recursive: true });
const full = join(dir, "telemetry.duckdb");
if (!existsSync(full)) {
  const t0 = performance.now();
  await build(full);
  console.log(`built ${STREAMS} streams in ${Math.round(performance.now() - t0)} ms (${full})`);
}
const empty = join(dir, "empty.duckdb");
for (const [name, store] of [
  ["empty store", empty],
  [`${STREAMS} streams`, full],
] as const) {
  const s = await start(store);
  console.log(`${name.padEnd(14)}: listening after ${Math.round(s.ms)} ms, RSS ${s.rssMiB.toFixed(0)} MiB`);
  await s.stop();
}
