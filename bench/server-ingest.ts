// Telemetry server ingest and wire size, in one run. A suite of bench/run.ts (`npm run bench --
// server-ingest`, quick: 20 batches x 100 series) and runnable alone with its own shape:
//
//   node --conditions=source --import tsx bench/server-ingest.ts [batches=300] [series=500] [fields=20]
//
// 1. Ingest: one local client (the ServerExporter over a WebSocket) ships `batches` steady-state
//    batches of `series` x `fields` changed counter values into the real server process (DuckDB
//    file under .tmp/); field values per second are measured from the first send to the last
//    acknowledgement, with the server's CPU time read from /proc/<pid>/stat over the same span.
// 2. Wire size: bytes per changed field of one steady-state batch, and the same interval (same
//    series, attributes and deltas) encoded as OTLP protobuf by the OpenTelemetry JS SDK
//    (delta temporality, @opentelemetry/otlp-transformer's ProtobufMetricsSerializer).
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { MeterProvider, MetricReader, AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { exportBatchOf } from "../src/runtime/exporter.ts";
import { ServerExporter } from "../src/export/server-exporter.ts";
import type { Batch, SeriesDecl, WireSetDescriptor } from "../src/wire/batch.ts";
import { encodeBatch } from "../src/wire/codec.ts";
import { scalar, startServerProcess, tempStore } from "../test/server/helpers/server-process.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

// The shape of one run; set by main() (suite or command line) before anything below uses it.
let BATCHES = 300;
let SERIES = 500;
let FIELDS = 20;
const RESOURCE = { "service.name": "bench", "service.instance.id": "bench-1", "host.name": "localhost", "process.pid": 1 };

const setDescriptor = (): WireSetDescriptor => ({
  name: "http.server",
  brief: "HTTP server",
  schemaHash: "bench",
  attributes: [
    { name: "worker_id", type: "int", brief: "" },
    { name: "route", type: "string", brief: "" },
  ],
  measures: [],
  fields: Array.from({ length: FIELDS }, (_, f) => ({
    name: `http.server.f${f}`,
    instrument: "counter" as const,
    unit: "{request}",
    brief: `field ${f}`,
    valueType: "int" as const,
  })),
});
const attrs = (s: number) => [s % 8, `/route/${Math.floor(s / 8)}`] as const;
/** Typical steady-state deltas: small counts per interval. */
const delta = (b: number, s: number, f: number) => 1 + ((b * 31 + s * 7 + f) % 50);

/** Batch `seq` of the current shape (useShape); its interval ends at `base + seq` seconds. */
export function makeBatch(seq: number, base = 1_700_000_000_000): Batch {
  const points = [];
  for (let s = 0; s < SERIES; s++) {
    const p: number[] = [s];
    for (let f = 0; f < FIELDS; f++) p.push(f, delta(seq, s, f));
    points.push(p);
  }
  return {
    v: 1,
    stream: "bench",
    seq,
    start: base + (seq - 1) * 1000,
    end: base + seq * 1000,
    ...(seq === 1
      ? {
          open: { resource: RESOURCE, schemaHash: "bench", sdk: { name: "percore", version: "bench" }, view: "aggregate" as const },
          sets: [setDescriptor()],
          series: Array.from({ length: SERIES }, (_, s): SeriesDecl => [s, 0, [...attrs(s)]]),
        }
      : {}),
    points,
  };
}

function cpuMs(pid: number): number {
  // utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function ingest() {
  const store = tempStore("bench");
  const server = await startServerProcess({ store });
  const encoded = Array.from({ length: BATCHES }, (_, i) => makeBatch(i + 1)).map(exportBatchOf);
  const exporter = new ServerExporter({ url: server.url, timeoutMs: 600_000, maxBufferBytes: 1 << 30 });
  const cpu0 = cpuMs(server.pid);
  const t0 = performance.now();
  for (const e of encoded) exporter.export(e);
  await exporter.forceFlush();
  const ms = performance.now() - t0;
  const cpu = cpuMs(server.pid) - cpu0;
  const values = BATCHES * SERIES * FIELDS;
  const stored = await scalar(server.url, "SELECT count(*) FROM points");
  await exporter.shutdown();
  await server.stop();
  rmSync(dirname(store), { recursive: true, force: true });
  if (stored !== values) throw new Error(`stored ${stored} of ${values}`);
  return { values, ms, cpu, bytes: encoded.reduce((n, e) => n + e.bytes.byteLength, 0) };
}

class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The same interval as OTLP protobuf (the OpenTelemetry JS SDK, delta temporality): bytes and points. */
export async function otlpBytes(): Promise<{ bytes: number; points: number }> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter("bench");
  const counters = setDescriptor().fields.map((f) => meter.createCounter(f.name, { unit: f.unit, description: f.brief }));
  const record = (b: number) => {
    for (let s = 0; s < SERIES; s++) {
      const [worker, route] = attrs(s);
      for (let f = 0; f < FIELDS; f++) counters[f].add(delta(b, s, f), { worker_id: worker, route });
    }
  };
  record(1);
  await reader.collect(); // first interval: same steady state as ours afterwards
  record(2);
  const { resourceMetrics } = await reader.collect();
  let points = 0;
  for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) if (m.dataPointType === DataPointType.SUM) points += m.dataPoints.length;
  const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!.byteLength;
  await provider.shutdown();
  return { bytes, points };
}

export interface IngestShape {
  readonly batches: number;
  readonly series: number;
  readonly fields: number;
}

/** Sets the shape makeBatch and otlpBytes use (the forward bench shares them). */
export function useShape(shape: IngestShape): void {
  ({ batches: BATCHES, series: SERIES, fields: FIELDS } = shape);
}

export async function measureIngest(shape: IngestShape) {
  useShape(shape);
  const r = await ingest();
  const steady = encodeBatch(makeBatch(2)).byteLength;
  const otlp = await otlpBytes();
  return {
    ...shape,
    values: r.values,
    wireBytes: r.bytes,
    ms: r.ms,
    serverCpuMs: r.cpu,
    valuesPerSec: r.values / (r.ms / 1000),
    valuesPerCpuSec: r.values / (r.cpu / 1000),
    serverCpuShare: r.cpu / r.ms,
    steadyBatchBytes: steady,
    bytesPerField: steady / (SERIES * FIELDS),
    otlpBytes: otlp.bytes,
    otlpPoints: otlp.points,
  };
}

type IngestResult = Awaited<ReturnType<typeof measureIngest>>;

function printLines(r: IngestResult): void {
  const fields = r.series * r.fields;
  console.log(`${r.batches} batches x ${r.series} series x ${r.fields} changed counters = ${r.values} field values, ${(r.wireBytes / 1e6).toFixed(1)} MB on the wire`);
  console.log(`ingest: ${(r.valuesPerSec / 1e6).toFixed(2)}M field values/s stored (${r.ms.toFixed(0)} ms, all acknowledged and counted in the store)`);
  console.log(
    `server CPU: ${r.serverCpuMs.toFixed(0)} ms over ${r.ms.toFixed(0)} ms wall = ${(r.serverCpuShare * 100).toFixed(0)}% of one core; ${(r.valuesPerCpuSec / 1e6).toFixed(2)}M field values per CPU-second`,
  );
  console.log(`wire, steady state: ${r.steadyBatchBytes} bytes for ${fields} changed fields = ${r.bytesPerField.toFixed(2)} bytes per field`);
  console.log(
    `OTLP protobuf, same interval (${r.otlpPoints} points): ${r.otlpBytes} bytes = ${(r.otlpBytes / r.otlpPoints).toFixed(1)} bytes per field; ours is ${((r.steadyBatchBytes / r.otlpBytes) * 100).toFixed(1)}% of it (${(r.otlpBytes / r.steadyBatchBytes).toFixed(1)}x smaller)`,
  );
}

/** `npm run bench -- server-ingest`: the figures of docs/server.md as a table, and JSON. */
export default async function serverIngest(ctx: SuiteContext): Promise<void> {
  const r = await measureIngest(ctx.quick ? { batches: 20, series: 100, fields: 20 } : { batches: 300, series: 500, fields: 20 });
  console.log(`\n## Server ingest (${r.batches} batches x ${r.series} series x ${r.fields} changed counters, one WebSocket client on the same machine)\n`);
  console.log("| measure | value |");
  console.log("|---|---:|");
  console.log(`| field values stored per second | ${(r.valuesPerSec / 1e6).toFixed(2)}M |`);
  console.log(`| server CPU (share of one core) | ${(r.serverCpuShare * 100).toFixed(0)}% |`);
  console.log(`| field values per server CPU-second | ${(r.valuesPerCpuSec / 1e6).toFixed(2)}M |`);
  console.log(`| wall time, first send to last ack | ${r.ms.toFixed(0)} ms |`);
  console.log(`| percore wire bytes per changed field | ${r.bytesPerField.toFixed(2)} |`);
  console.log(
    `| OTLP protobuf bytes per point, same interval (x percore) | ${(r.otlpBytes / r.otlpPoints).toFixed(1)} (${(r.otlpBytes / r.steadyBatchBytes).toFixed(1)}x) |`,
  );
  writeResult("server-ingest", ctx, r);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [batches = 300, series = 500, fields = 20] = process.argv.slice(2).map(Number);
  printLines(await measureIngest({ batches, series, fields }));
}
