// Events: one typed emit against the floor (four Float64 stores into a SharedArrayBuffer, an empty
// call) and the peers with the same three fields (int, enum, string <= 32): pino.info into a
// discarding stream and the OpenTelemetry logs SDK's emit() with a no-op processor. Then the
// collector's drain + encode of 100,000 events, with wire bytes per event beside the OTLP logs
// protobuf of the same events. Positional and object arguments are measured side by side.
//
// The emit tasks run on this thread with no collector: after each call of OPS emits the task
// marks the ring read (what a drain does, minus its work), so every emit takes the normal path,
// never the full-ring drop path.
import { SeverityNumber } from "@opentelemetry/api-logs";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import pino from "pino";
import { Writable } from "node:stream";
import { Collector } from "../src/runtime/collector.ts";
import { decodeBatch } from "../src/wire/codec.ts";
import { EventCatalog } from "../src/wire/event-catalog.ts";
import { toLogRecords } from "../src/export/otlp-logs-exporter.ts";
import { Config, type ConfigBenchKind, Jobs } from "../test/runtime/fixtures/events/telemetry.generated.ts";
import { fmt, measure, printTable, writeResult, type BenchTask, type SuiteContext } from "./harness.ts";

const OPS = 1000;
const KINDS = ["a", "b", "c"] as const;
const LABELS = Array.from({ length: 16 }, (_, i) => `label-${i}-of-a-short-string`.slice(0, 20 + (i % 12)));
/** Short strings like the issue's own example, `jobs.started(42, "emails")`: 5 to 8 characters. */
const SHORT = ["emails", "images", "video", "reports", "billing", "search", "exports", "webhooks"];

/** The generated emitter's body behind an object argument, to measure that style against positional. */
class ObjectStyle extends Config {
  benchObject(e: { code: number; kind: ConfigBenchKind; label: string }): void {
    this.bench(e.code, e.kind, e.label);
  }
}

interface RingView {
  readonly f64: Float64Array;
}
const ringOf = (x: object): RingView => (x as unknown as { ring: RingView }).ring;
/** Marks everything written as read: the ring never fills during a measurement. */
const consume = (r: RingView): void => {
  r.f64[1] = r.f64[0]!;
};

let sink = 0;
function empty(a: number, b: string, c: string): void {
  sink += a + b.length + c.length === -1 ? 1 : 0;
}

export default async function events(ctx: SuiteContext): Promise<void> {
  // The first instance of the group on this thread creates the ring: big enough for the drain task.
  const config = new ObjectStyle({ ringSize: 131_072 });
  const jobs = new Jobs({ workerId: 0 });
  const ring = ringOf(config);
  const jobsRing = ringOf(jobs);
  const raw = new Float64Array(new SharedArrayBuffer(8 * 4 * 1024));

  const discard = new Writable({ write: (_c, _e, cb) => cb() });
  const logger = pino({ level: "info" }, discard);
  const provider = new LoggerProvider({ processors: [{ onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} }] });
  const otel = provider.getLogger("bench");

  // The peers with the same three fields; `labels` has a power-of-two length.
  const pinoTask = (name: string, labels: readonly string[]): BenchTask => ({
    name,
    ops: OPS,
    fn: () => {
      for (let i = 0; i < OPS; i++) logger.info({ code: i, kind: KINDS[i % 3], label: labels[i & (labels.length - 1)] }, "config.bench");
    },
  });
  const otelTask = (name: string, labels: readonly string[]): BenchTask => ({
    name,
    ops: OPS,
    fn: () => {
      for (let i = 0; i < OPS; i++)
        otel.emit({
          eventName: "config.bench",
          severityNumber: SeverityNumber.INFO,
          severityText: "INFO",
          attributes: { code: i, kind: KINDS[i % 3], label: labels[i & (labels.length - 1)] },
        });
    },
  });

  const tasks: BenchTask[] = [
    {
      name: "raw: 4 Float64 stores into a SAB ring",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) {
          const o = (i & 1023) * 4;
          raw[o] = i;
          raw[o + 1] = 7;
          raw[o + 2] = i & 3;
          raw[o + 3] = 9;
        }
      },
    },
    {
      name: "Date.now() (the emit's clock)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) sink += Date.now();
      },
    },
    {
      name: "empty function call",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) empty(i, "a", "b");
      },
    },
    {
      name: "percore emit 3 fields (int, enum, string<=32), positional",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.bench(i, KINDS[i % 3]!, LABELS[i & 15]!);
        consume(ring);
      },
    },
    {
      name: "percore emit 3 fields, string of 5-8 chars",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.bench(i, KINDS[i % 3]!, SHORT[i & 7]!);
        consume(ring);
      },
    },
    {
      name: "percore emit 3 fields, object argument",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.benchObject({ code: i, kind: KINDS[i % 3]!, label: LABELS[i & 15]! });
        consume(ring);
      },
    },
    {
      name: "percore emit 2 fields (int, enum)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.numbers(i, KINDS[i % 3]!);
        consume(ring);
      },
    },
    {
      name: "percore disabled event (debug below the level)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) jobs.progress(i, 0.5);
        consume(jobsRing);
      },
    },
    pinoTask("pino.info({code, kind, label}, msg), discarding stream", LABELS),
    otelTask("OpenTelemetry logs SDK emit(), no-op processor", LABELS),
    pinoTask("pino.info, string of 5-8 chars", SHORT),
    otelTask("OpenTelemetry logs SDK emit(), string of 5-8 chars", SHORT),
  ];
  const reference = "percore emit 3 fields (int, enum, string<=32), positional";
  const exactRows = await measure(tasks, reference, ctx);

  // The same emits with the ticker clock: collector option eventClock "ticker", and what the
  // default ("auto") switches to while a process emits 600,000 events/s or more (the tasks above
  // run with no collector, so with the exact clock, the default below that rate).
  const ticking = new Collector({ eventClock: "ticker" });
  const clockWord = (ring.f64 as Float64Array).subarray(3, 4);
  while (clockWord[0] === 0) await new Promise((r) => setTimeout(r, 1));
  const tickerTasks: BenchTask[] = [
    {
      name: "percore emit 3 fields, ticker clock",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.bench(i, KINDS[i % 3]!, LABELS[i & 15]!);
        consume(ring);
      },
    },
    {
      name: "percore emit 3 fields, string of 5-8 chars, ticker clock",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.bench(i, KINDS[i % 3]!, SHORT[i & 7]!);
        consume(ring);
      },
    },
    {
      name: "percore emit 2 fields (int, enum), ticker clock",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) config.numbers(i, KINDS[i % 3]!);
        consume(ring);
      },
    },
  ];
  const tickerRows = (await measure(tickerTasks, tickerTasks[0]!.name, ctx)).map((r) => ({
    ...r,
    ratio: r.nsPerOp / exactRows.find((x) => x.name === reference)!.nsPerOp,
  }));
  await ticking.shutdown();
  const rows = [...exactRows, ...tickerRows];
  printTable("Event emit (ns per event)", rows, reference);
  const ns = (name: string) => rows.find((r) => r.name === name)!.nsPerOp;

  // Drain + encode of 100,000 events by the collector (one flush), and the OTLP logs protobuf of the same events.
  const N = ctx.quick ? 10_000 : 100_000;
  const collector = new Collector();
  // The stream's declarations come with the batches that first use them (the first one here
  // included): keep them all for decoding the last one.
  const catalog = new EventCatalog();
  const first = collector.collect();
  if (first) catalog.declare(first.header);
  const runs = ctx.quick ? 2 : 10;
  let best = Infinity;
  let bytes = 0;
  let batch: Uint8Array | undefined;
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < N; i++) config.bench(i, KINDS[i % 3]!, LABELS[i & 15]!);
    const t0 = performance.now();
    const out = collector.collect();
    const ms = performance.now() - t0;
    best = Math.min(best, ms);
    if (out) {
      bytes = out.bytes.byteLength;
      batch = out.bytes;
      catalog.declare(out.header);
    }
  }
  const decoded = catalog.read(decodeBatch(batch!));
  const t1 = performance.now();
  const otlp = ProtobufLogsSerializer.serializeRequest(toLogRecords(decoded, collector.resource));
  const otlpMs = performance.now() - t1;
  const otlpBytes = otlp?.byteLength ?? 0;
  await collector.shutdown();
  await provider.shutdown();

  const targets = {
    "emit 3 fields ns (target <= 50)": ns(reference),
    "pino.info / emit 3 fields (target >= 20)": ns("pino.info({code, kind, label}, msg), discarding stream") / ns(reference),
    "OTel logs emit / emit 3 fields (target >= 20)": ns("OpenTelemetry logs SDK emit(), no-op processor") / ns(reference),
    "emit 2 fields without a string ns (target <= 20)": ns("percore emit 2 fields (int, enum)"),
    "disabled event ns (target <= 2)": ns("percore disabled event (debug below the level)"),
    "object argument / positional": ns("percore emit 3 fields, object argument") / ns(reference),
    "emit 3 fields, ticker clock (the default at >= 600k events/s), ns (target <= 50)": ns("percore emit 3 fields, ticker clock"),
    "emit 2 fields, ticker clock (the default at >= 600k events/s), ns (target <= 20)": ns("percore emit 2 fields (int, enum), ticker clock"),
    "pino.info / emit 3 fields with the ticker clock (target >= 20)":
      ns("pino.info({code, kind, label}, msg), discarding stream") / ns("percore emit 3 fields, ticker clock"),
    "OTel logs emit / emit 3 fields with the ticker clock (target >= 20)":
      ns("OpenTelemetry logs SDK emit(), no-op processor") / ns("percore emit 3 fields, ticker clock"),
    "emit 3 fields, string of 5-8 chars, exact clock, ns": ns("percore emit 3 fields, string of 5-8 chars"),
    "emit 3 fields, string of 5-8 chars, ticker clock, ns": ns("percore emit 3 fields, string of 5-8 chars, ticker clock"),
    "OTel logs emit / emit 3 fields, both with a string of 5-8 chars, ticker clock (target >= 20)":
      ns("OpenTelemetry logs SDK emit(), string of 5-8 chars") / ns("percore emit 3 fields, string of 5-8 chars, ticker clock"),
    "pino.info / emit 3 fields, both with a string of 5-8 chars, ticker clock (target >= 20)":
      ns("pino.info, string of 5-8 chars") / ns("percore emit 3 fields, string of 5-8 chars, ticker clock"),
    "OTel logs emit / emit 3 fields, both with a string of 5-8 chars, exact clock (target >= 20)":
      ns("OpenTelemetry logs SDK emit(), string of 5-8 chars") / ns("percore emit 3 fields, string of 5-8 chars"),
    [`drain + encode of ${N} events, ms (target <= 20 for 100,000)`]: best,
    "wire bytes per event (msgpack batch)": bytes / N,
    "OTLP logs protobuf bytes per event": otlpBytes / N,
    [`OTLP logs protobuf encode of the same ${N} events, ms`]: otlpMs,
  };
  console.log(
    "\n" +
      Object.entries(targets)
        .map(([k, v]) => `- ${k}: ${fmt(v)}`)
        .join("\n"),
  );
  writeResult("events", ctx, { rows, targets });
  if (sink === 42) console.log("");
}
