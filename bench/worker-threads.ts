// Worker threads: 2 piscina workers run a fixed CPU task (about 30 µs) that records 10 metrics per
// task. Throughput with telemetry off, with percore, with prom-client (a registry per worker,
// snapshots posted to the main thread and merged with AggregatorRegistry.aggregate) and with
// OpenTelemetry (a MeterProvider per worker with a periodic OTLP-protobuf export posted to main).
// Variants run interleaved in rounds (rotated order) and each round's throughput is compared with
// the "off" run of the same round, so drift on this shared machine cancels out; the median of
// those paired overheads is reported, with the interquartile range as the noise band.
import { BroadcastChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import promClient from "prom-client";
import { Collector } from "../src/runtime/collector.ts";
import { TotalsExporter } from "../test/helpers/totals.ts";
import { FLUSH_CHANNEL, type WorkerReport } from "./fixtures/worker-flush-channel.ts";
import { ITERATIONS, type RunInput } from "./fixtures/worker-task-work.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

const VARIANTS = [
  { name: "off", file: "worker-task-off.ts" },
  { name: "percore", file: "worker-task-percore.ts" },
  { name: "prom-client", file: "worker-task-prom.ts" },
  { name: "OpenTelemetry", file: "worker-task-otel.ts" },
] as const;
type Variant = (typeof VARIANTS)[number]["name"];

const WORKERS = 2;
const TASKS_PER_RUN = 100;

const median = (xs: readonly number[]) => quantile(xs, 0.5);
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}

/** 95% bootstrap interval of the median (deterministic resampling), so a reader sees how sure the median is. */
function medianInterval(xs: readonly number[]): readonly [number, number] {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const medians: number[] = [];
  for (let b = 0; b < 2000; b++) medians.push(median(Array.from(xs, () => xs[Math.floor(rand() * xs.length)])));
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}

export default async function workerThreads(ctx: SuiteContext): Promise<void> {
  const runsPerRound = ctx.quick ? 4 : 30;
  const rounds = ctx.quick ? 1 : 100;
  const totals = new TotalsExporter();
  const collector = new Collector({ cadenceMs: 1000, exporters: [totals] }).start();
  const latest = new Map<Variant, Map<number, WorkerReport>>(VARIANTS.map((v) => [v.name, new Map()]));
  const exportedBytes = new Map<Variant, number>(VARIANTS.map((v) => [v.name, 0]));
  const pools = new Map<Variant, Piscina<RunInput, number>>();
  for (const v of VARIANTS) {
    const pool = new Piscina<RunInput, number>({
      filename: new URL("../examples/lib/ts-task.mjs", import.meta.url).href,
      argv: [new URL(`./fixtures/${v.file}`, import.meta.url).href],
      execArgv: ["--conditions=source"],
      minThreads: WORKERS,
      maxThreads: WORKERS,
      idleTimeout: 600_000,
      // "async" lets an idle worker run its event loop: the per-worker SDKs' periodic exports need
      // it (with the default "sync" their timers never fire). Same setting for every variant.
      atomics: "async",
    });
    pool.on("message", (r: WorkerReport) => {
      latest.get(r.variant as Variant)?.set(r.thread, r);
      exportedBytes.set(r.variant as Variant, (exportedBytes.get(r.variant as Variant) ?? 0) + (r.bytes ?? 0));
    });
    pools.set(v.name, pool);
  }
  const nextTask = new Map<Variant, number>(VARIANTS.map((v) => [v.name, 0]));
  const runRound = async (v: Variant): Promise<number> => {
    const pool = pools.get(v)!;
    let first = nextTask.get(v)!;
    const t0 = performance.now();
    const runs: Promise<number>[] = [];
    for (let r = 0; r < runsPerRound; r++, first += TASKS_PER_RUN) runs.push(pool.run({ first, tasks: TASKS_PER_RUN }));
    await Promise.all(runs);
    const ms = performance.now() - t0;
    nextTask.set(v, first);
    return (runsPerRound * TASKS_PER_RUN) / (ms / 1000);
  };

  // Warm-up: start every worker and let the JIT settle before anything is measured.
  for (const v of VARIANTS) for (let i = 0; i < (ctx.quick ? 1 : 3); i++) await runRound(v.name);
  const throughput = new Map<Variant, number[]>(VARIANTS.map((v) => [v.name, []]));
  const overhead = new Map<Variant, number[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length].name);
    const thr = new Map<Variant, number>();
    for (const v of order) thr.set(v, await runRound(v));
    for (const v of order) {
      throughput.get(v)!.push(thr.get(v)!);
      overhead.get(v)!.push((1 - thr.get(v)! / thr.get("off")!) * 100);
    }
  }

  // What reached the main thread: percore after one flush; the others after a flush request.
  await collector.flush();
  const flush = new BroadcastChannel(FLUSH_CHANNEL);
  flush.postMessage("prom-client");
  flush.postMessage("OpenTelemetry");
  const deadline = Date.now() + 5000;
  const allFinal = (v: Variant) => [...latest.get(v)!.values()].filter((r) => r.final).length === WORKERS;
  while (Date.now() < deadline && !(allFinal("prom-client") && allFinal("OpenTelemetry"))) await new Promise((r) => setTimeout(r, 20));
  flush.close();
  const promMerged = promClient.AggregatorRegistry.aggregate([...latest.get("prom-client")!.values()].map((r) => r.payload as promClient.MetricObjectWithValues<promClient.MetricValue<string>>[]));
  const promCount = ((await promMerged.getSingleMetric("bench_task_count_total")?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
  const counted: Record<Variant, number> = {
    off: 0,
    percore: ["read", "write"].flatMap((op) => ["ok", "error"].map((outcome) => totals.total("bench.task.count", {}, { op, outcome }))).reduce((a, b) => a + b, 0),
    "prom-client": promCount,
    OpenTelemetry: [...latest.get("OpenTelemetry")!.values()].reduce((n, r) => n + r.tasks, 0),
  };

  const offNs = (WORKERS * 1e9) / median(throughput.get("off")!);
  const rows = VARIANTS.map(({ name }) => {
    const thr = median(throughput.get(name)!);
    const nsPerTask = (WORKERS * 1e9) / thr;
    return {
      name,
      tasksPerSec: thr,
      nsPerTask,
      addedNsPerTask: nsPerTask - offNs,
      overheadPct: median(overhead.get(name)!),
      iqrPct: [quantile(overhead.get(name)!, 0.25), quantile(overhead.get(name)!, 0.75)] as const,
      ci95Pct: medianInterval(overhead.get(name)!),
      tasksRun: nextTask.get(name)!,
      tasksCounted: counted[name],
      exportedBytes: exportedBytes.get(name)!,
    };
  });
  const ours = rows.find((r) => r.name === "percore")!;
  console.log(`\n## Worker threads (${WORKERS} piscina workers, ${ITERATIONS} iterations ≈ ${(offNs / 1000).toFixed(1)} µs per task and worker without telemetry, 10 recordings per task, ${rounds} rounds x ${runsPerRound * TASKS_PER_RUN} tasks per variant)\n`);
  console.log("| variant | tasks/s | ns/task/worker | overhead vs off (median of rounds) | 95% CI of the median | IQR of rounds | added ns/task | x percore (added) | tasks counted at main / run |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const x = r.name === "off" ? "" : (r.addedNsPerTask / ours.addedNsPerTask).toFixed(1);
    const counted = r.name === "off" ? "-" : `${r.tasksCounted} / ${r.tasksRun}`;
    const range = (x: readonly [number, number]) => (r.name === "off" ? "-" : `${x[0].toFixed(2)}..${x[1].toFixed(2)}%`);
    console.log(`| ${r.name} | ${r.tasksPerSec.toFixed(0)} | ${r.nsPerTask.toFixed(0)} | ${r.name === "off" ? "-" : r.overheadPct.toFixed(2) + "%"} | ${range(r.ci95Pct)} | ${range(r.iqrPct)} | ${r.name === "off" ? "-" : r.addedNsPerTask.toFixed(0)} | ${x} | ${counted} |`);
  }
  console.log(`\n- percore overhead ${ours.overheadPct.toFixed(2)}% (target < 1%; 95% CI of the median ${ours.ci95Pct[0].toFixed(2)}..${ours.ci95Pct[1].toFixed(2)}%)`);
  writeResult("worker-threads", ctx, { workers: WORKERS, iterations: ITERATIONS, tasksPerRun: TASKS_PER_RUN, runsPerRound, rounds, rows });

  await Promise.all([...pools.values()].map((p) => p.destroy()));
  await collector.shutdown();
}
