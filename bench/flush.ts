// Flush: read every instance, fold what changed, build the sparse batch and msgpack-encode it.
// Shape of the target: instances x 8 fields (6 counters, 2 histograms of 10 bounds), a
// share of instances changed before each flush (their cost measured alone and subtracted). The OpenTelemetry
// SDK's delta collect plus OTLP protobuf encode of the same shape runs beside it.
import { AggregationTemporality, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { Collector } from "../src/runtime/collector.ts";
import { Shard } from "./fixtures/flush-schema.generated.ts";
import { measure, writeResult, type BenchTask, type SuiteContext } from "./harness.ts";

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
  const rows: { instances: number; share: number; oursMs: number; otelMs: number; bytes: number; otlpBytes: number }[] = [];
  // One set of instances per size, reused across shares: a collector sees every instance of the
  // thread, so this keeps the smaller sizes from being scanned along with the larger ones' leftovers.
  const bySize = new Map<number, { collector: Collector; shards: InstanceType<typeof Shard>[] }>();
  for (const c of cases) {
    if (!bySize.has(c.instances)) {
      const offset = [...bySize.keys()].reduce((a, b) => a + b, 0);
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
    // The changes are part of each call (so every flush has the same work); their cost is measured
    // alone and subtracted.
    const tasks: BenchTask[] = [
      { name: "changes only", ops: 1, fn: mutate },
      {
        name: "changes + collect+encode",
        ops: 1,
        fn: () => {
          mutate();
          bytes = collector.collect()?.bytes.byteLength ?? 0;
        },
      },
    ];
    const otelTask = async () => {
      // OpenTelemetry's collect is async; measured on its own with a plain loop of awaited calls.
      const n = ctx.quick ? 3 : c.instances >= 100_000 ? 4 : c.instances >= 10_000 ? 10 : 40;
      let total = 0;
      for (let i = 0; i < n + 2; i++) {
        mutateOtel();
        const t0 = performance.now();
        const { resourceMetrics } = await reader.collect();
        const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
        const dt = performance.now() - t0;
        if (i >= 2) total += dt; // first two warm up
        otlpBytes = body?.byteLength ?? 0;
      }
      return total / n;
    };
    const [changes, both] = await measure(tasks, "changes only", ctx);
    const otelMs = await otelTask();
    await otel.shutdown();
    rows.push({ instances: c.instances, share: c.share, oursMs: (both.nsPerOp - changes.nsPerOp) / 1e6, otelMs, bytes, otlpBytes });
  }
  console.log("\n## Flush: collect + encode of instances x 8 fields (6 counters, 2 histograms of 10 bounds)\n");
  // Per-field costs: the whole flush divided by the changed fields, and by every field scanned
  // (at 1% changed the latter bounds what an unchanged field costs).
  console.log(
    "| instances | changed | percore ms | ns per changed field | ns per field scanned | OpenTelemetry delta collect + OTLP protobuf ms | x percore | percore bytes | OTLP bytes |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const changedFields = Math.max(1, Math.round(r.instances * r.share)) * 8;
    console.log(
      `| ${r.instances} | ${r.share * 100}% | ${r.oursMs.toFixed(4)} | ${((r.oursMs * 1e6) / changedFields).toFixed(1)} | ${((r.oursMs * 1e6) / (r.instances * 8)).toFixed(2)} | ${r.otelMs.toFixed(3)} | ${(r.otelMs / r.oursMs).toFixed(1)} | ${r.bytes} | ${r.otlpBytes} |`,
    );
  }
  writeResult("flush", ctx, rows);
}
