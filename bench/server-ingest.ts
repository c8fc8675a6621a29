// Telemetry server ingest and wire size, in one run.
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
import { MeterProvider, MetricReader, AggregationTemporality, DataPointType } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { ServerExporter } from "../src/export/server-exporter.ts";
import type { Batch, SeriesDecl, WireSetDescriptor } from "../src/wire/batch.ts";
import { encodeBatch } from "../src/wire/codec.ts";
import { scalar, startServerProcess, tempStore } from "../test/server/helpers/server-process.ts";

const [BATCHES = 300, SERIES = 500, FIELDS = 20] = process.argv.slice(2).map(Number);
const RESOURCE = { "service.name": "bench", "service.instance.id": "bench-1", "host.name": "localhost", "process.pid": 1 };

const set: WireSetDescriptor = {
  name: "http.server", brief: "HTTP server", schemaHash: "bench",
  attributes: [{ name: "worker.id", type: "int", brief: "" }, { name: "route", type: "string", brief: "" }],
  measures: [],
  fields: Array.from({ length: FIELDS }, (_, f) => ({ name: `http.server.f${f}`, instrument: "counter" as const, unit: "{request}", brief: `field ${f}`, valueType: "int" as const })),
};
const attrs = (s: number) => [s % 8, `/route/${Math.floor(s / 8)}`] as const;
/** Typical steady-state deltas: small counts per interval. */
const delta = (b: number, s: number, f: number) => 1 + ((b * 31 + s * 7 + f) % 50);

function makeBatch(seq: number): Batch {
  const points = [];
  for (let s = 0; s < SERIES; s++) {
    const p: number[] = [s];
    for (let f = 0; f < FIELDS; f++) p.push(f, delta(seq, s, f));
    points.push(p);
  }
  return {
    v: 1, stream: "bench", seq, start: 1_700_000_000_000 + (seq - 1) * 1000, end: 1_700_000_000_000 + seq * 1000,
    ...(seq === 1
      ? { open: { resource: RESOURCE, schemaHash: "bench", sdk: { name: "percore", version: "bench" }, view: "aggregate" as const }, sets: [set], series: Array.from({ length: SERIES }, (_, s): SeriesDecl => [s, 0, [...attrs(s)]]) }
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
  const encoded = Array.from({ length: BATCHES }, (_, i) => makeBatch(i + 1)).map((b) => ({ batch: b, bytes: encodeBatch(b) }));
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

async function otlpBytes(): Promise<{ bytes: number; points: number }> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(RESOURCE), readers: [reader] });
  const meter = provider.getMeter("bench");
  const counters = set.fields.map((f) => meter.createCounter(f.name, { unit: f.unit, description: f.brief }));
  const record = (b: number) => {
    for (let s = 0; s < SERIES; s++) {
      const [worker, route] = attrs(s);
      for (let f = 0; f < FIELDS; f++) counters[f].add(delta(b, s, f), { "worker.id": worker, route });
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

const r = await ingest();
const steady = encodeBatch(makeBatch(2)).byteLength;
const otlp = await otlpBytes();
const fields = SERIES * FIELDS;
console.log(`${BATCHES} batches x ${SERIES} series x ${FIELDS} changed counters = ${r.values} field values, ${(r.bytes / 1e6).toFixed(1)} MB on the wire`);
console.log(`ingest: ${(r.values / (r.ms / 1000) / 1e6).toFixed(2)}M field values/s stored (${r.ms.toFixed(0)} ms, all acknowledged and counted in the store)`);
console.log(`server CPU: ${r.cpu.toFixed(0)} ms over ${r.ms.toFixed(0)} ms wall = ${((r.cpu / r.ms) * 100).toFixed(0)}% of one core; ${((r.values / r.cpu) * 1000 / 1e6).toFixed(2)}M field values per CPU-second`);
console.log(`wire, steady state: ${steady} bytes for ${fields} changed fields = ${(steady / fields).toFixed(2)} bytes per field`);
console.log(`OTLP protobuf, same interval (${otlp.points} points): ${otlp.bytes} bytes = ${(otlp.bytes / otlp.points).toFixed(1)} bytes per field; ours is ${((steady / otlp.bytes) * 100).toFixed(1)}% of it (${(otlp.bytes / steady).toFixed(1)}x smaller)`);
