// Hot path: one recording, ours against a raw Float64Array store (the floor), prom-client and the
// OpenTelemetry SDK, with the same access pattern for all. Each call loops OPS times so the
// benchmark's own call overhead is amortised away.
import { metrics } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import promClient from "prom-client";
import { HttpServer, Process } from "../examples/demo/telemetry.generated.ts";
import { measure, printTable, writeResult, type BenchTask, type SuiteContext } from "./harness.ts";

const OPS = 10_000;
const METHODS = ["GET", "POST", "OTHER"] as const;
const STATUSES = ["2xx", "3xx", "4xx", "5xx"] as const;
// 16 (method, status) combinations and 1024 durations, picked by i & mask: cheap and not constant.
const M = Array.from({ length: 16 }, (_, i) => METHODS[i % 3]);
const S = Array.from({ length: 16 }, (_, i) => STATUSES[(i >> 2) & 3]);
const MI = Array.from({ length: 16 }, (_, i) => i % 3);
const SI = Array.from({ length: 16 }, (_, i) => (i >> 2) & 3);
const V = Array.from({ length: 1024 }, (_, i) => Math.round(-Math.log(1 - ((i * 7919) % 1024) / 1024) * 50 * 100) / 100);
const ATTRS = M.map((m, i) => ({ method: m, status: S[i] }));

export default async function hotPath(ctx: SuiteContext): Promise<void> {
  const raw = new Float64Array(new SharedArrayBuffer(8 * 1024));
  const plain = new Process();
  const http = new HttpServer({ workerId: 0, route: "/bench" });

  const registry = new promClient.Registry();
  const promCounter = new promClient.Counter({ name: "requests_total", help: "h", labelNames: ["method", "status"], registers: [registry] });
  const promPlain = new promClient.Counter({ name: "tasks_total", help: "h", registers: [registry] });
  // Bound handles, one per (method, status) pair, made once: ours with at(...), prom-client's with labels(...).
  const bound = M.map((m, i) => http.requests.at(m, S[i]));
  const promBoundChildren = ATTRS.map((a) => promCounter.labels(a.method, a.status));
  const promHist = new promClient.Histogram({
    name: "duration_ms",
    help: "h",
    labelNames: ["method", "status"],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  });

  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter("bench");
  const otelCounter = meter.createCounter("requests");
  const otelPlain = meter.createCounter("tasks");
  const otelHist = meter.createHistogram("duration", { advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] } });
  void metrics;

  const tasks: BenchTask[] = [
    {
      name: "raw Float64Array ++",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) raw[0]++;
      },
    },
    {
      name: "percore counter inc()",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) plain.tasks.inc();
      },
    },
    {
      name: "percore counter add(n)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) plain.tasks.add(MI[i & 15]);
      },
    },
    {
      name: "percore int counter add(n, method, status)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) http.payloadSize.add(MI[i & 15], M[i & 15], S[i & 15]);
      },
    },
    {
      name: "prom-client counter inc()",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) promPlain.inc();
      },
    },
    {
      name: "raw Float64Array ++ at 2-enum slot",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) raw[(MI[i & 15] * 4 + SI[i & 15]) * 21]++;
      },
    },
    {
      name: "percore counter inc(method, status)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) http.requests.inc(M[i & 15], S[i & 15]);
      },
    },
    {
      name: "percore bound at(method, status).inc()",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) bound[i & 15].inc();
      },
    },
    {
      name: "prom-client inc(labels)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) promCounter.inc(ATTRS[i & 15]);
      },
    },
    {
      name: "prom-client bound child inc()",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) promBoundChildren[i & 15].inc();
      },
    },
    {
      name: "OpenTelemetry add(1) without attributes",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) otelPlain.add(1);
      },
    },
    {
      name: "OpenTelemetry add(1, attrs)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) otelCounter.add(1, ATTRS[i & 15]);
      },
    },
    {
      name: "percore histogram record(v, method, status)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) http.duration.record(V[i & 1023], M[i & 15], S[i & 15]);
      },
    },
    {
      name: "prom-client histogram observe(labels, v)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) promHist.observe(ATTRS[i & 15], V[i & 1023]);
      },
    },
    {
      name: "OpenTelemetry histogram record(v, attrs)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) otelHist.record(V[i & 1023], ATTRS[i & 15]);
      },
    },
    {
      name: "percore mmsc record(v, method, status)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) http.queueWait.record(V[i & 1023], M[i & 15], S[i & 15]);
      },
    },
  ];
  const rows = await measure(tasks, "raw Float64Array ++", ctx);
  printTable("Hot path (ns per recording)", rows, "raw Float64Array ++");
  const ns = (name: string) => rows.find((r) => r.name === name)!.nsPerOp;
  const targets = {
    "counter inc() / raw ++ (target <= 1.5)": ns("percore counter inc()") / ns("raw Float64Array ++"),
    "inc(method, status) / counter inc() (target <= 2)": ns("percore counter inc(method, status)") / ns("percore counter inc()"),
    "bound at(method, status).inc() / counter inc()": ns("percore bound at(method, status).inc()") / ns("percore counter inc()"),
    "histogram record ns (target <= 10)": ns("percore histogram record(v, method, status)"),
  };
  console.log(
    "\n" +
      Object.entries(targets)
        .map(([k, v]) => `- ${k}: ${v.toFixed(2)}`)
        .join("\n"),
  );
  writeResult("hot-path", ctx, { rows, targets });
  await provider.shutdown();
}
