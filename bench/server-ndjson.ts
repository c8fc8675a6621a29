// One huge NDJSON body against the telemetry server: its peak RSS while it takes the body, and
// how long a small batch sent meanwhile (every 100 ms, on another connection) waits for its ack.
//
//   node --conditions=source --import tsx bench/server-ndjson.ts [lines=5000000] [cli=src/cli/telemetry-server.ts]
//
// The body is `lines` small events with the four required fields (about 70 bytes a line: 70 MB for
// 1M lines), sent with `--max-body 512MiB`. `cli` times another checkout's server on the same input.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { batch, post } from "../test/server/helpers/batches.ts";

const ROOT = resolve(import.meta.dirname, "..");
const LINES = Number(process.argv[2] ?? 1_000_000);
const CLI = resolve(ROOT, process.argv[3] ?? "src/cli/telemetry-server.ts");
const dir = mkdtempSync(join(ROOT, ".tmp", "ndjson-"));

const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CLI, "--store", join(dir, "t.duckdb"), "--port", "0", "--max-body", "512MiB"], {
  cwd: ROOT,
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
const url = await new Promise<string>((ok) =>
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) ok(m[1]);
  }),
);
const status = () => readFileSync(`/proc/${proc.pid}/status`, "utf8");
const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())?.[1] ?? 0);
const rssBefore = kib("VmRSS");

let seq = 0;
const acks: number[] = [];
let sending = true;
const probe = (async () => {
  while (sending) {
    const t0 = performance.now();
    const r = await post(url, batch("probe", ++seq));
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    acks.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
})();

let body = "";
for (let i = 0; i < LINES; i++) body += `{"event_id":"${i}","event_time":${i},"event_type":"log","event_name":"n"}\n`;
const t0 = performance.now();
// node:http rather than fetch: fetch gives up on a reply that takes more than 300 s.
const res = await new Promise<{ status: number; text: string }>((ok, fail) => {
  const req = request(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" } }, (r) => {
    let text = "";
    r.on("data", (d: Buffer) => (text += d.toString()));
    r.on("end", () => ok({ status: r.statusCode ?? 0, text }));
  });
  req.on("error", fail);
  req.end(body);
});
const reply = res.text;
const ms = performance.now() - t0;
sending = false;
await probe;
const sorted = [...acks].sort((a, b) => a - b);
console.log(`${LINES} lines (${(body.length / 1e6).toFixed(1)} MB): HTTP ${res.status} ${reply.slice(0, 120)} in ${(ms / 1000).toFixed(1)} s`);
console.log(`server RSS: ${(rssBefore / 1024).toFixed(0)} MiB before, peak ${(kib("VmHWM") / 1024).toFixed(0)} MiB`);
console.log(`probe batch acks during it: ${acks.length}, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
proc.kill("SIGKILL");
rmSync(dir, { recursive: true, force: true });
