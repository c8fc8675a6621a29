// Flush: read every instance, fold what changed, build the sparse batch and msgpack-encode it.
// Shape of the target: instances x 8 fields (6 counters, 2 histograms of 10 bounds), a
// share of instances changed before each flush, the flush timed alone. The OpenTelemetry
// SDK's delta collect plus OTLP protobuf encode of the same shape runs beside it.
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { Collector } from "../src/runtime/collector.ts";
import { Shard } from "./fixtures/flush-schema.generated.ts";
import { writeResult, type SuiteContext } from "./harness.ts";
import { median } from "./stats.ts";

class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

interface Case {
  instances: number;
  share: number;
}

export default async function flush(ctx: SuiteContext): Promise<void> {
  const cases: Case[] = ctx.quick
    ? [
        { instances: 1000, share: 0.01 },
        { instances: 1000, share: 1 },
      ]
    : [1000, 10_000, 100_000].flatMap((instances) => [0.01, 0.1, 1].map((share) => ({ instances, share })));
  const rows: { instances: number; share: number; oursMs: number; oursMinMs: number; oursCpuMs: number; otelMs: number; bytes: number; otlpBytes: number }[] = [];
  // One set of instances per size, reused across shares: a collector sees every instance of the
  // thread, so this keeps the smaller sizes from being scanned along with the larger ones' leftovers.
  const bySize = new Map<number, { collector: Collector; shards: InstanceType<typeof Shard>[] }>();
  let created = 0;
  for (const c of cases) {
    if (!bySize.has(c.instances)) {
      const offset = created;
      created += c.instances;
      // The smaller sizes' collectors stop listening, so they do not track (and keep baselines
      // for) the larger sizes' instances; a clean heap keeps earlier garbage out of the timings.
      for (const [size, { collector }] of bySize) {
        await collector.shutdown();
        bySize.delete(size);
      }
      (globalThis as { gc?: () => void }).gc?.();
      bySize.set(c.instances, { collector: new Collector(), shards: Array.from({ length: c.instances }, (_, i) => new Shard({ shard: offset + i })) });
    }
    const { collector, shards } = bySize.get(c.instances)!;
    const changed = Math.max(1, Math.round(c.instances * c.share));
    let cursor = 0;
    const mutate = () => {
      for (let k = 0; k < changed; k++) {
        const s = shards[cursor++ % shards.length];
        s.c1.inc();
        s.c2.inc();
        s.c3.inc();
        s.c4.inc();
        s.c5.inc();
        s.c6.add(3);
        s.h1.record(cursor % 700);
        s.h2.record(cursor % 13);
      }
    };
    collector.collect(); // drain earlier cases' instances once
    let bytes = 0;

    const reader = new DeltaReader();
    const otel = new MeterProvider({ readers: [reader] });
    const meter = otel.getMeter("bench");
    const counters = Array.from({ length: 6 }, (_, i) => meter.createCounter(`c${i + 1}`));
    const hists = Array.from({ length: 2 }, (_, i) =>
      meter.createHistogram(`h${i + 1}`, { advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] } }),
    );
    const attrs = Array.from({ length: c.instances }, (_, i) => ({ shard: i }));
    let ocursor = 0;
    const mutateOtel = () => {
      for (let k = 0; k < changed; k++) {
        const a = attrs[ocursor++ % attrs.length];
        for (const ctr of counters) ctr.add(1, a);
        hists[0].record(ocursor % 700, a);
        hists[1].record(ocursor % 13, a);
      }
    };
    let otlpBytes = 0;
    // Each round changes its share of instances, then times the flush alone with a plain loop
    // (OpenTelemetry's collect is asynchronous, so both sides are timed the same way). The median
    // is the figure; the minimum is printed beside it because on a loaded machine it is the closer
    // estimate of the uncontended cost (preemption only ever adds).
    const rounds = ctx.quick ? 3 : c.instances >= 100_000 ? 20 : c.instances >= 10_000 ? 40 : 200;
    const ours: number[] = [];
    const warmup = ctx.quick ? 1 : 5;
    let cpuUs = 0;
    for (let i = 0; i < rounds + warmup; i++) {
      mutate();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      bytes = collector.collect()?.bytes.byteLength ?? 0;
      const t1 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      // The first rounds warm up. CPU time beside wall time: on a loaded machine the process's CPU
      // time leaves out the time it waited for a core.
      if (i >= warmup) ours.push(t1 - t0), (cpuUs += cpu.user + cpu.system);
    }
    const theirs: number[] = [];
    const otelRounds = ctx.quick ? 3 : c.instances >= 100_000 ? 4 : c.instances >= 10_000 ? 10 : 40;
    for (let i = 0; i < otelRounds + 2; i++) {
      mutateOtel();
      const t0 = performance.now();
      const { resourceMetrics } = await reader.collect();
      const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
      if (i >= 2) theirs.push(performance.now() - t0);
      otlpBytes = body?.byteLength ?? 0;
    }
    await otel.shutdown();
    rows.push({
      instances: c.instances,
      share: c.share,
      oursMs: median(ours),
      oursMinMs: Math.min(...ours),
      oursCpuMs: cpuUs / rounds / 1000,
      otelMs: median(theirs),
      bytes,
      otlpBytes,
    });
  }
  console.log("\n## Flush: collect + encode of instances x 8 fields (6 counters, 2 histograms of 10 bounds)\n");
  // Per-field costs (from the mean CPU time): the whole flush divided by the changed fields, and
  // by every field scanned (at 1% changed the latter bounds what an unchanged field costs).
  console.log(
    "| instances | changed | percore ms (median) | min ms | CPU ms (mean) | CPU ns per changed field | CPU ns per field scanned | OpenTelemetry delta collect + OTLP protobuf ms | x percore | percore bytes | OTLP bytes |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const changedFields = Math.max(1, Math.round(r.instances * r.share)) * 8;
    console.log(
      `| ${r.instances} | ${r.share * 100}% | ${r.oursMs.toFixed(4)} | ${r.oursMinMs.toFixed(4)} | ${r.oursCpuMs.toFixed(4)} | ${((r.oursCpuMs * 1e6) / changedFields).toFixed(1)} | ${((r.oursCpuMs * 1e6) / (r.instances * 8)).toFixed(2)} | ${r.otelMs.toFixed(3)} | ${(r.otelMs / r.oursMs).toFixed(1)} | ${r.bytes} | ${r.otlpBytes} |`,
    );
  }
  writeResult("flush", ctx, rows);
}
