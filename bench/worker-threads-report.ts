// Turns the worker-threads benchmark's raw timings into its two figures per variant and prints
// them: A, the in-task cost from paired rounds; B, the CPU time counted (recordings alone plus
// the periodic shipping per task). See worker-threads.ts for how the timings are taken.
import type { CollectorCost } from "./fixtures/collector-host.ts";
import type { WorkerReport } from "./fixtures/task-variant.ts";
import type { CpuWindow } from "./fixtures/thread-cpu.ts";
import type { ChunkResult } from "./fixtures/worker-interleave.ts";
import { ITERATIONS } from "./fixtures/worker-task-work.ts";
import { median, medianInterval } from "./stats.ts";

/** The variant whose cost is known in advance (fixtures/worker-task-yardstick.ts). */
export const YARDSTICK = "1% yardstick";

export interface Estimate {
  /** Median over chunks of the chunk's median paired difference, ns per task. */
  readonly ns: number;
  /** 95% bootstrap interval of that median, resampling chunks. */
  readonly ci95: readonly [number, number];
  /** The per-chunk medians (one per pool.run), for re-analysis. */
  readonly perChunk: readonly number[];
}

export interface VariantFigures {
  readonly name: string;
  /** A: the variant's task minus "off"'s task, same round. */
  readonly inTask: Estimate;
  /** B, first part: recordings alone minus the empty "off" recording, ns per task. */
  readonly recordings: Estimate;
  /** Heap bytes one task's recordings allocate (median over chunks). */
  readonly allocBytesPerTask: number;
  /** The workers' GC time, shared out by allocated bytes, per task: the part of the cost both medians leave out. */
  readonly gcNsPerTask: number;
  /** B, second part: periodic shipping, ms of CPU per second in the workers and in the collector's/main thread. */
  readonly periodicMsPerSec: { readonly workers: number; readonly collectorOrMain: number };
  readonly periodicNsPerTask: number;
  /** Totals as a share of the off task: A + GC share + periodic, B + GC share + periodic. */
  readonly totalPctA: number;
  readonly totalPctB: number;
  /** A - B as a share of the off task: how far the two methods are apart. */
  readonly gapPct: number;
  /** Whether A's and B's intervals overlap (rarely, with intervals of a few ns: A also counts cache misses B's warm loop does not have). */
  readonly intervalsOverlap: boolean;
  readonly counted: number | undefined;
}

export interface Analysis {
  readonly iterations: number;
  readonly chunks: number;
  readonly roundsPerChunk: number;
  readonly offNsPerTask: number;
  /** Tasks per second a fully loaded pool completes without telemetry: the denominator of the periodic cost. */
  readonly tasksPerSecFullLoad: number;
  readonly recorded: number;
  readonly variants: readonly VariantFigures[];
}

export interface AnalysisInput {
  readonly workers: number;
  readonly chunks: readonly ChunkResult[];
  readonly cadenceMs: number;
  readonly collector: Omit<CollectorCost, "batches">;
  readonly promMergeMs: readonly number[];
  readonly reports: readonly WorkerReport[];
  readonly counted: Readonly<Record<string, number>>;
  readonly recorded: number;
}

/** Per chunk, the median over its rows of (row's `v` - row's "off"), times `scale`. */
function pairedByChunk(chunks: readonly ChunkResult[], pick: (c: ChunkResult) => Float64Array, v: number, scale: number): Estimate {
  const perChunk = chunks.map((c) => {
    const xs = pick(c);
    const n = c.variants.length;
    const diffs = new Float64Array(xs.length / n);
    for (let r = 0; r < diffs.length; r++) diffs[r] = (xs[r * n + v] - xs[r * n]) * scale;
    return median(diffs);
  });
  return { ns: median(perChunk), ci95: medianInterval(perChunk), perChunk };
}

/** Median time of one periodic action, as ms of CPU per second at the cadence (0 without samples, e.g. a quick run shorter than a cadence). */
const perSecond = (ms: readonly number[], cadenceMs: number) => (ms.length ? (median(ms) * 1000) / cadenceMs : 0);

export function analyse(input: AnalysisInput): Analysis {
  const { chunks, cadenceMs } = input;
  const names = chunks[0].variants;
  if (names[0] !== "off") throw new Error(`worker-threads: the first variant must be "off", got ${names[0]}`);
  const offNsPerTask = median(chunks.map((c) => median(c.taskMs.filter((_, i) => i % names.length === 0)) * 1e6));
  const tasksPerSecFullLoad = (input.workers * 1e9) / offNsPerTask;
  // The workers' GC time, shared out by the bytes each variant's recordings allocate (shipping's
  // own garbage, once per second, is left out), over the tasks each variant recorded.
  const gcMs = input.reports.reduce((sum, r) => sum + r.gcMs, 0);
  const allocBytes = names.map((_, v) => Math.max(0, median(chunks.map((c) => median(c.allocBytes.filter((_, i) => i % names.length === v))))));
  const allocTotal = allocBytes.reduce((a, b) => a + b, 0);
  const gcNsPerTask = (v: number) => (allocTotal > 0 ? (gcMs * 1e6 * allocBytes[v]) / allocTotal / input.recorded : 0);
  // Outside the workers: percore's collector (in its own thread's figure), prom-client's merge on main.
  const outsideWorkers: Record<string, number> = { percore: input.collector.msPerSec, "prom-client": perSecond(input.promMergeMs, cadenceMs) };
  const variants = names.slice(1).map((name, i): VariantFigures => {
    const v = i + 1;
    const inTask = pairedByChunk(chunks, (c) => c.taskMs, v, 1e6);
    const recordings = pairedByChunk(chunks, (c) => c.recordNs, v, 1);
    const workers = input.reports.reduce((sum, r) => sum + perSecond(r.shipMs[name] ?? [], cadenceMs), 0);
    const collectorOrMain = outsideWorkers[name] ?? 0;
    const periodicNsPerTask = ((workers + collectorOrMain) * 1e6) / tasksPerSecFullLoad;
    const outside = gcNsPerTask(v) + periodicNsPerTask;
    const overlap = inTask.ci95[0] <= recordings.ci95[1] && recordings.ci95[0] <= inTask.ci95[1];
    return {
      name,
      inTask,
      recordings,
      allocBytesPerTask: allocBytes[v],
      gcNsPerTask: gcNsPerTask(v),
      periodicMsPerSec: { workers, collectorOrMain },
      periodicNsPerTask,
      totalPctA: ((inTask.ns + outside) / offNsPerTask) * 100,
      totalPctB: ((recordings.ns + outside) / offNsPerTask) * 100,
      gapPct: ((inTask.ns - recordings.ns) / offNsPerTask) * 100,
      intervalsOverlap: overlap,
      counted: input.counted[name],
    };
  });
  return {
    iterations: ITERATIONS,
    chunks: chunks.length,
    roundsPerChunk: chunks[0].taskMs.length / names.length,
    offNsPerTask,
    tasksPerSecFullLoad,
    recorded: input.recorded,
    variants,
  };
}

export interface RunContext {
  readonly seconds: number;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly collector: Omit<CollectorCost, "batches">;
  readonly workerWindows: readonly CpuWindow[];
  readonly workerGcMs: readonly number[];
}

const ns = (x: number) => x.toFixed(0);
const ci = (e: Estimate) => `${ns(e.ci95[0])}..${ns(e.ci95[1])}`;
const pct = (x: number, digits = 2) => `${x.toFixed(digits)}%`;

export function printReport(a: Analysis, c: RunContext): void {
  console.log(
    `\n## Worker threads (2 piscina workers, one pool for every variant; task ${ITERATIONS} iterations ≈ ${(a.offNsPerTask / 1000).toFixed(1)} µs; 10 recordings per task; ${a.chunks} chunks x ${a.roundsPerChunk} rounds in ${c.seconds.toFixed(0)} s; loadavg ${c.loadBefore} -> ${c.loadAfter})\n`,
  );
  console.log(
    "| variant | A: in-task ns/task (95% CI) | B: recordings alone ns/task (95% CI) | A - B (share of task) | GC ns/task (bytes/task) | periodic ns/task (workers + collector/main, ms CPU/s) | total A | total B | counted at main / recorded |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const v of a.variants) {
    const p = v.periodicMsPerSec;
    console.log(
      `| ${v.name} | ${ns(v.inTask.ns)} (${ci(v.inTask)}) | ${ns(v.recordings.ns)} (${ci(v.recordings)}) | ${pct(v.gapPct, 3)} | ${ns(v.gcNsPerTask)} (${ns(v.allocBytesPerTask)}) | ${v.periodicNsPerTask.toFixed(1)} (${p.workers.toFixed(3)} + ${p.collectorOrMain.toFixed(3)}) | ${pct(v.totalPctA)} | ${pct(v.totalPctB)} | ${v.counted ?? "-"} / ${a.recorded} |`,
    );
  }
  const ours = a.variants.find((v) => v.name === "percore")!;
  const halfWidth = (ours.inTask.ci95[1] - ours.inTask.ci95[0]) / 2;
  const w = c.collector.window;
  console.log(
    `\n- percore: ${pct(ours.totalPctB, 3)} of the task by CPU time counted (B), ${pct(ours.totalPctA, 3)} by paired timing (A); A resolves ±${ns(halfWidth)} ns = ±${pct((halfWidth / a.offNsPerTask) * 100, 3)} of the task`,
  );
  const yard = a.variants.find((v) => v.name === YARDSTICK);
  if (yard) console.log(`- ${YARDSTICK} (a known cost) read as ${pct(yard.totalPctA, 3)} by A and ${pct(yard.totalPctB, 3)} by B`);
  const how = c.collector.dedicated
    ? "its whole thread CPU per second, the thread itself included"
    : "the median flush, timed alone, per second: this thread also dispatches the pool";
  console.log(
    `- collector in the ${c.collector.host}: ${c.collector.msPerSec.toFixed(3)} ms CPU per second (${how}); over ${(w.wallMs / 1000).toFixed(0)} s its event loop was ${pct(w.eluUtilization * 100, 1)} busy, its thread ${w.threadCpuMs?.toFixed(0) ?? "n/a"} ms on CPU, the process ${w.processCpuMs.toFixed(0)} ms; median flush ${c.collector.flushMs.length ? `${median(c.collector.flushMs).toFixed(3)} ms` : "not timed (thread: true)"}`,
  );
  console.log(
    `- workers: thread CPU ${c.workerWindows.map((x) => `${x.threadCpuMs?.toFixed(0) ?? "n/a"} ms`).join(", ")} over ${c.workerWindows.map((x) => `${(x.wallMs / 1000).toFixed(0)} s`).join(", ")}; in GC ${c.workerGcMs.map((x) => `${x.toFixed(0)} ms`).join(", ")} (every variant together: timings by median leave GC pauses out)`,
  );
}
