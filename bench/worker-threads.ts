// Worker threads: what 10 recordings per task cost in a 2-thread piscina pool, for percore,
// prom-client (a registry per worker, snapshots merged on main) and OpenTelemetry (an SDK per
// worker), measured two ways side by side (bench/README.md says why this shape and how far they agree):
//
// A. One pool runs every variant: each worker holds all of them, and a round runs the same task
//    once per variant, in rotated order, each timed in the worker. The paired difference against
//    "off" in the same round, same thread, same millisecond, cancels load, thread placement and
//    JIT history; the median of the per-chunk medians, with a bootstrap interval over chunks, is
//    the in-task cost.
// B. The added CPU time, counted: the recordings alone, timed in the same workers, plus the CPU
//    each library spends per second to ship an interval (percore's collector flush in the
//    collector's thread; prom-client's snapshot in the workers and merge on main; OpenTelemetry's
//    collect + OTLP serialization in the workers), divided by the tasks a fully loaded pool completes per second.
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import os from "node:os";
import { BroadcastChannel, Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import promClient from "prom-client";
import { Collector } from "../src/runtime/collector.ts";
import type { ExportBatch } from "../src/runtime/exporter.ts";
import { TotalsExporter } from "../test/helpers/totals.ts";
import { hostCollector, type CollectorCost, type CollectorHost } from "./fixtures/collector-host.ts";
import { REPORT_CHANNEL, SHIP_CADENCE_MS, type Shipped, type WorkerReport } from "./fixtures/task-variant.ts";
import type { ChunkInput, ChunkResult } from "./fixtures/worker-interleave.ts";
import { writeResult, type SuiteContext } from "./harness.ts";
import { analyse, printReport } from "./worker-threads-report.ts";

const WORKERS = 2;

/** How much to run. A chunk is one pool.run(): `rounds` rounds of one task per variant, then the recordings alone. */
export interface Plan {
  readonly warmupChunks: number;
  /** At least this many measured chunks, and for at least `minSeconds` (so the periodic shipping is sampled often). */
  readonly chunks: number;
  readonly minSeconds: number;
  readonly batch: number;
  readonly rounds: number;
  readonly recordCalls: number;
  readonly recordReps: number;
}
// The recordings alone are timed 8 calls at a time (under 30 µs even for OpenTelemetry), so few
// timings are hit by preemption on a loaded machine and the median over repetitions ignores those.
const FULL: Plan = { warmupChunks: 20, chunks: 400, minSeconds: 15, batch: 20, rounds: 200, recordCalls: 8, recordReps: 50 };
const QUICK: Plan = { warmupChunks: 2, chunks: 4, minSeconds: 0, batch: 4, rounds: 20, recordCalls: 8, recordReps: 5 };

/**
 * `--collector=main` (default), `--collector=worker` (the bench's own host thread) or
 * `--collector=thread` (the SDK's `new Collector({ thread: true })`): which thread hosts percore's collector.
 */
function collectorOption(): "main" | "worker" | "thread" {
  const value = process.argv.find((a) => a.startsWith("--collector="))?.slice("--collector=".length) ?? "main";
  if (value !== "main" && value !== "worker" && value !== "thread") {
    throw new Error(`worker-threads: --collector=${value} is not known; use --collector=main (default), --collector=worker or --collector=thread`);
  }
  return value;
}

/** thread: true, with an exporter in the collector thread that measures that thread (fixtures/thread-cost-exporter.ts). */
function startThreadCollector(): CollectorHost {
  const file = join(tmpdir(), `percore-thread-cost-${process.pid}.json`);
  const module = new URL("./fixtures/thread-cost-exporter.ts", import.meta.url).href;
  const collector = new Collector({ thread: true, cadenceMs: SHIP_CADENCE_MS, exporters: [{ kind: "module", module, export: "ThreadCostExporter", options: { file } }] });
  collector.start();
  void collector.stats; // blocks until the thread runs, so the pool starts against a running collector
  return {
    async stop() {
      await collector.shutdown();
      const r = JSON.parse(readFileSync(file, "utf8")) as { window: CollectorCost["window"]; batches: string[] };
      rmSync(file, { force: true });
      const threadMs = r.window.threadCpuMs ?? r.window.eluActiveMs;
      return {
        host: "collector thread (thread: true)",
        dedicated: true,
        msPerSec: (threadMs * 1000) / r.window.wallMs,
        cadenceMs: SHIP_CADENCE_MS,
        flushMs: [],
        window: r.window,
        batches: r.batches.map((b) => new Uint8Array(Buffer.from(b, "base64"))),
      };
    },
  };
}

/** Starts the collector in the chosen thread; stop() returns its cost, measured in that thread. */
async function startCollector(where: "main" | "worker" | "thread"): Promise<CollectorHost> {
  if (where === "main") return hostCollector("main thread", SHIP_CADENCE_MS, false);
  if (where === "thread") return startThreadCollector();
  const thread = new Worker(new URL("../examples/lib/ts-task.mjs", import.meta.url), {
    argv: [new URL("./fixtures/collector-thread.ts", import.meta.url).href],
    execArgv: ["--conditions=source"],
  });
  await once(thread, "message"); // "ready": the collector is listening
  return {
    async stop() {
      thread.postMessage("stop");
      const [cost] = (await once(thread, "message")) as [CollectorCost];
      await thread.terminate();
      return cost;
    },
  };
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg shows them: printed beside every run. */
const loadavg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const PROM_COUNT = "bench_task_count_total";
type PromSnapshot = promClient.MetricObjectWithValues<promClient.MetricValue<string>>[];

export default async function workerThreads(ctx: SuiteContext): Promise<void> {
  const plan = ctx.quick ? QUICK : FULL;
  const loadBefore = loadavg();
  const collector = await startCollector(collectorOption());
  const pool = new Piscina<ChunkInput, ChunkResult>({
    filename: new URL("../examples/lib/ts-task.mjs", import.meta.url).href,
    argv: [new URL("./fixtures/worker-interleave.ts", import.meta.url).href],
    execArgv: ["--conditions=source"],
    minThreads: WORKERS,
    maxThreads: WORKERS,
    idleTimeout: 600_000,
    // "async" lets a worker run its event loop between chunks, where the periodic shipping runs
    // (with the default "sync" an idle worker blocks in Atomics.wait and its timers never fire).
    atomics: "async",
  });
  const latest = new Map<string, Map<number, Shipped>>();
  const reports = new Map<number, WorkerReport>();
  pool.on("message", (m: Shipped | WorkerReport) => {
    if (m.kind === "report") reports.set(m.thread, m);
    else latest.set(m.variant, (latest.get(m.variant) ?? new Map()).set(m.thread, m));
  });
  const promSnapshots = () => [...(latest.get("prom-client")?.values() ?? [])].map((s) => s.payload as PromSnapshot);
  // prom-client's main-thread half of an interval: merge the workers' latest snapshots and render
  // the exposition (what a scrape does), on the common cadence, timed.
  const mergeMs: number[] = [];
  const mergeTimer = setInterval(async () => {
    const start = performance.now();
    await promClient.AggregatorRegistry.aggregate(promSnapshots()).metrics();
    mergeMs.push(performance.now() - start);
  }, SHIP_CADENCE_MS);

  let next = 0;
  let recorded = 0;
  const runChunk = async () => {
    const first = next;
    next += plan.rounds;
    const result = await pool.run({ first, rounds: plan.rounds, recordCalls: plan.recordCalls, recordReps: plan.recordReps });
    recorded += result.recorded;
    return result;
  };
  const runChunks = (count: number) => Promise.all(Array.from({ length: count }, runChunk));
  await runChunks(plan.warmupChunks);
  const chunks: ChunkResult[] = [];
  const started = performance.now();
  while (chunks.length < plan.chunks || performance.now() - started < plan.minSeconds * 1000) chunks.push(...(await runChunks(plan.batch)));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(mergeTimer);

  // Every worker ships a final interval and reports; then the collector flushes once more.
  const threads = new Set(chunks.map((c) => c.thread));
  const request = new BroadcastChannel(REPORT_CHANNEL);
  request.postMessage("report");
  const finalFrom = (variant: string) => [...(latest.get(variant)?.values() ?? [])].filter((s) => s.final).length;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !(reports.size === threads.size && finalFrom("prom-client") === threads.size && finalFrom("OpenTelemetry") === threads.size)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  request.close();
  if (reports.size !== threads.size) throw new Error(`worker-threads: ${reports.size} of ${threads.size} workers reported within 10 s`);
  const { batches, ...collectorFigures } = await collector.stop();
  await pool.destroy();
  const loadAfter = loadavg();

  // Nothing lost: what reached the main thread, per variant, against what was recorded.
  const totals = new TotalsExporter();
  for (const bytes of batches) totals.export({ bytes } as ExportBatch);
  const promMerged = promClient.AggregatorRegistry.aggregate(promSnapshots());
  const counted: Record<string, number> = {
    percore: ["read", "write"].flatMap((op) => ["ok", "error"].map((outcome) => totals.total("bench.task.count", {}, { op, outcome }))).reduce((a, b) => a + b, 0),
    "prom-client": ((await promMerged.getSingleMetric(PROM_COUNT)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0),
    OpenTelemetry: [...(latest.get("OpenTelemetry")?.values() ?? [])].reduce((n, s) => n + s.tasks, 0),
  };

  const result = analyse({
    workers: WORKERS,
    chunks,
    cadenceMs: SHIP_CADENCE_MS,
    collector: collectorFigures,
    promMergeMs: mergeMs,
    reports: [...reports.values()],
    counted,
    recorded,
  });
  const context = {
    plan,
    seconds,
    loadBefore,
    loadAfter,
    collector: collectorFigures,
    workerWindows: [...reports.values()].map((r) => r.window),
    workerGcMs: [...reports.values()].map((r) => r.gcMs),
  };
  printReport(result, context);
  writeResult("worker-threads", ctx, { workers: WORKERS, ...context, ...result });
}
