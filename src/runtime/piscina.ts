// piscina integration. Workers need no boilerplate at all: any metric-set instance a task creates
// in a worker announces itself to the collector over the process-wide channel. What this adds is
// the pool's own health (queue, threads, utilisation, completions), sampled on the main thread,
// and the exit notice of workers the pool terminates.
import type { Piscina } from "piscina";
import { announceThreadExit } from "./channel.ts";
import { threadRegistry } from "./thread-registry.ts";
import { POOL_AT, POOL_DESCRIPTOR } from "./pool-metrics.ts";

export interface InstrumentPoolOptions {
  /** Value of the pool.name attribute (default "default"). */
  readonly name?: string;
  /** Sampling period in ms (default 1000); sampling is a few property reads. */
  readonly intervalMs?: number;
}

/** Reports `pool`'s health as the `piscina.pool` metric set; returns a function that stops sampling (and samples once more). */
export function instrumentPool(pool: Piscina, options: InstrumentPoolOptions = {}): () => void {
  const v = threadRegistry().register(POOL_DESCRIPTOR, [options.name ?? "default"]).values;
  let completed = 0;
  const sample = () => {
    const now = pool.completed;
    v[POOL_AT.completed] += now - completed;
    completed = now;
    v[POOL_AT.queueSize] = pool.queueSize;
    v[POOL_AT.threads] = pool.threads.length;
    v[POOL_AT.utilization] = pool.utilization;
  };
  const onCreate = () => v[POOL_AT.workersCreated]++;
  // piscina stops idle workers with terminate(), which skips a worker's own exit notice: say it
  // for them, so the collector releases their regions instead of reading them forever.
  const onDestroy = (worker: { id: number }) => {
    v[POOL_AT.workersDestroyed]++;
    announceThreadExit(worker.id);
  };
  pool.on("workerCreate", onCreate);
  pool.on("workerDestroy", onDestroy);
  const timer = setInterval(sample, options.intervalMs ?? 1000);
  timer.unref();
  sample();
  return () => {
    clearInterval(timer);
    sample();
    pool.off("workerCreate", onCreate);
    pool.off("workerDestroy", onDestroy);
  };
}
