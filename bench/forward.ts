// Remote-write forwarding: the real server process forwarding to a local VictoriaMetrics
// (Debian's victoria-metrics). A suite of bench/run.ts (`npm run bench -- forward`; quick: small
// shapes that prove it runs) and runnable alone:
//
//   node --conditions=source --import tsx bench/forward.ts
//
// 1. Throughput: the receiver is down while `batches` batches of `series` x `fields` counters are
//    stored (they wait in the store); it comes back and the time until the server has nothing
//    pending gives samples per second forwarded, with the server's CPU over the same span.
// 2. Bytes per sample on the remote-write wire (snappy protobuf, as sent), beside ours (msgpack
//    deltas, bytes per changed field) and OTLP protobuf (bytes per point) for the same interval.
// 3. Lag at a 1 s cadence under a steady load (200,000 values/s in the full run): per batch, the
//    time from its interval's end (when the SDK would flush it) until the receiver confirmed it.
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ServerExporter } from "../src/export/server-exporter.ts";
import { exportBatchOf } from "../src/runtime/exporter.ts";
import { encodeBatch } from "../src/wire/codec.ts";
import { startVictoriaMetrics, type RealPrometheus } from "../test/promql/helpers/prometheus.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "../test/server/helpers/server-process.ts";
import { forwardCounters } from "../test/forward/helpers/forward.ts";
import { writeResult, type SuiteContext } from "./harness.ts";
import { makeBatch, otlpBytes, useShape } from "./server-ingest.ts";

interface Shape {
  readonly batches: number;
  readonly series: number;
  readonly fields: number;
  /** Batches of the 1 s cadence lag run, and its values per second. */
  readonly lagBatches: number;
  readonly lagValuesPerSec: number;
}

const FULL: Shape = { batches: 50, series: 1000, fields: 20, lagBatches: 15, lagValuesPerSec: 200_000 };
const QUICK: Shape = { batches: 10, series: 200, fields: 10, lagBatches: 3, lagValuesPerSec: 20_000 };

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counters(server: ServerProcess, vm: RealPrometheus) {
  const m = await forwardCounters(server.url);
  const get = (name: string) => m.get(`percore_remote_write_${name} ${vm.writeUrl}`) ?? NaN;
  return {
    lag: get("lag_points"),
    samples: get("sent_samples_total"),
    bytes: get("sent_bytes_total"),
    requests: get("sent_requests_total"),
    rejected: get("rejected_batches_total"),
    dropped: get("dropped_samples_total"),
  };
}

/**
 * Polls until the receiver confirmed every commit holding `batches` batches: read from the store
 * (the cursor), because rendering /metrics over many series would load the server it measures.
 */
async function waitConfirmed(server: ServerProcess, batches: number, pollMs: number): Promise<void> {
  const probe = "SELECT (SELECT count(*) FROM batches), (SELECT max(commit_no) FROM batches), (SELECT max(confirmed) FROM forward_cursors)";
  for (;;) {
    const [n, last, confirmed] = (await query(server.url, probe))[0].map(Number);
    if (n >= batches && confirmed >= last) return;
    await pause(pollMs);
  }
}

async function throughput(shape: Shape, vm: RealPrometheus) {
  useShape({ batches: shape.batches, series: shape.series, fields: shape.fields });
  const store = tempStore("bench-forward");
  const server = await startServerProcess({ store, args: ["--remote-write", vm.writeUrl, "--remote-write-backoff", "50ms"] });
  await vm.stop({ keepData: true, signal: "SIGTERM" });
  // Recent times: the receiver keeps samples within its retention only.
  const base = Date.now() - shape.batches * 1000;
  const exporter = new ServerExporter({ url: server.url, timeoutMs: 600_000, maxBufferBytes: 1 << 30 });
  for (let seq = 1; seq <= shape.batches; seq++) exporter.export(exportBatchOf(makeBatch(seq, base)));
  await exporter.forceFlush();
  await exporter.shutdown();
  await vm.restart();
  const cpu0 = cpuMs(server.pid);
  const t0 = performance.now();
  await waitConfirmed(server, shape.batches, 10);
  const ms = performance.now() - t0;
  const cpu = cpuMs(server.pid) - cpu0;
  const c = await counters(server, vm);
  if (c.rejected > 0 || c.samples < shape.batches * shape.series * shape.fields)
    throw new Error(`forwarding did not deliver everything: ${JSON.stringify(c)}\n${server.output()}`);
  await server.stop();
  rmSync(dirname(store), { recursive: true, force: true });
  const ours = encodeBatch(makeBatch(2)).byteLength / (shape.series * shape.fields);
  const otlp = await otlpBytes();
  return {
    samples: c.samples,
    ms,
    samplesPerSec: c.samples / (ms / 1000),
    serverCpuMs: cpu,
    cpuMsPerMillion: cpu / (c.samples / 1e6),
    requests: c.requests,
    rwBytesPerSample: c.bytes / c.samples,
    oursBytesPerValue: ours,
    otlpBytesPerPoint: otlp.bytes / otlp.points,
  };
}

async function lag(shape: Shape, vm: RealPrometheus) {
  const fields = 20;
  const series = Math.max(1, Math.round(shape.lagValuesPerSec / fields));
  useShape({ batches: shape.lagBatches + 1, series, fields });
  const store = tempStore("bench-forward-lag");
  const server = await startServerProcess({ store, args: ["--remote-write", vm.writeUrl] });
  const exporter = new ServerExporter({ url: server.url, timeoutMs: 60_000, maxBufferBytes: 1 << 30 });
  // Warm-up: the first batch declares the stream and creates every series at the receiver (a
  // receiver's slowest work, once per series); it is timed on its own, not as steady lag.
  const t0 = Date.now();
  exporter.export(exportBatchOf(makeBatch(1, t0 - 1000)));
  await waitConfirmed(server, 1, 5);
  const firstMs = Date.now() - t0;
  // Steady: each batch leaves when its 1 s interval ends, whether or not the ones before it were
  // confirmed (as an SDK's cadence does); a batch's lag is from its interval's end until the
  // receiver confirmed its commit. Batches stay in commit order (one stream), so the k-th commit
  // is the k-th batch.
  const start = Math.ceil(Date.now() / 1000) * 1000;
  const ends: number[] = [];
  const lags: number[] = [];
  const sending = (async () => {
    for (let k = 1; k <= shape.lagBatches; k++) {
      const end = start + k * 1000;
      await pause(Math.max(0, end - Date.now()));
      ends.push(end);
      exporter.export(exportBatchOf(makeBatch(k + 1, start - 1000)));
    }
  })();
  const probe = "SELECT list(commit_no ORDER BY commit_no), (SELECT max(confirmed) FROM forward_cursors) FROM batches";
  while (lags.length < shape.lagBatches) {
    const [commits, confirmed] = (await query(server.url, probe))[0] as [number[], number];
    const now = Date.now();
    // commits[0] is the warm-up batch's.
    while (lags.length < shape.lagBatches && lags.length + 1 < commits.length && Number(commits[lags.length + 1]) <= Number(confirmed))
      lags.push(now - ends[lags.length]!);
    await pause(10);
  }
  await sending;
  const c = await counters(server, vm);
  await exporter.shutdown();
  await server.stop();
  rmSync(dirname(store), { recursive: true, force: true });
  if (process.env.BENCH_DEBUG) console.log("first batch ms", firstMs, "lags", lags);
  const sorted = [...lags].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return {
    valuesPerSec: series * fields,
    batches: lags.length,
    firstBatchMs: firstMs,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted[sorted.length - 1],
    rwBytesPerSample: c.bytes / c.samples,
  };
}

export async function measureForward(shape: Shape, parts: readonly ("throughput" | "lag")[] = ["throughput", "lag"]) {
  const vm = await startVictoriaMetrics();
  try {
    const t = parts.includes("throughput") ? await throughput(shape, vm) : undefined;
    const l = parts.includes("lag") ? await lag(shape, vm) : undefined;
    return { shape, throughput: t, lag: l };
  } finally {
    await vm.stop();
  }
}

/** `npm run bench -- forward`: docs/scale.md's forwarding figures, as a table and JSON. */
export default async function forward(ctx: SuiteContext): Promise<void> {
  const r = await measureForward(ctx.quick ? QUICK : FULL);
  const s = r.shape,
    t = r.throughput!,
    l = r.lag!;
  console.log(`\n## Remote-write forwarding to a local VictoriaMetrics (one server process)\n`);
  console.log("| measure | value |");
  console.log("|---|---:|");
  console.log(`| backlog forwarded (${s.batches} batches x ${s.series} series x ${s.fields} counters) | ${t.samples} samples in ${t.requests} requests |`);
  console.log(`| forwarding throughput | ${(t.samplesPerSec / 1e3).toFixed(0)}k samples/s |`);
  console.log(`| server CPU per million samples forwarded | ${t.cpuMsPerMillion.toFixed(0)} ms |`);
  console.log(`| remote-write bytes per sample (catch-up requests) | ${t.rwBytesPerSample.toFixed(2)} |`);
  console.log(`| remote-write bytes per sample (1 s cadence requests) | ${l.rwBytesPerSample.toFixed(2)} |`);
  console.log(`| percore msgpack bytes per changed value (same interval) | ${t.oursBytesPerValue.toFixed(2)} |`);
  console.log(`| OTLP protobuf bytes per point (same interval) | ${t.otlpBytesPerPoint.toFixed(1)} |`);
  console.log(
    `| lag at the receiver, 1 s cadence, ${(l.valuesPerSec / 1e3).toFixed(0)}k values/s: p50 / p99 / max (${l.batches} batches after the first) | ${l.p50Ms} / ${l.p99Ms} / ${l.maxMs} ms |`,
  );
  console.log(`| the first batch (declarations; ${l.valuesPerSec / 20} x 20 new series at the receiver), until confirmed | ${l.firstBatchMs} ms |`);
  writeResult("forward", ctx, r);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await forward({ quick: process.argv.includes("--quick") });
}
