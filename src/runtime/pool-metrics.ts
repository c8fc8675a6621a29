// Descriptor of the metric set a piscina pool reports about itself (see piscina.ts). Written by
// hand in the same shape the generator emits, so it travels and decodes like any user set.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import { fieldWidth } from "../schema/layout.ts";

/** Element of each field in the region (counters are [low, high], see layout.ts). */
export const POOL_AT = { completed: 0, queueSize: 2, threads: 3, utilization: 4, workersCreated: 5, workersDestroyed: 7 } as const;

const field = (key: string, name: string, instrument: "counter" | "gauge", unit: string, brief: string, offset: number) =>
  ({
    name,
    key,
    instrument,
    unit,
    brief,
    valueType: instrument === "counter" ? "int" : "double",
    stability: "development",
    offset,
    width: fieldWidth(instrument, 0, instrument === "counter" ? "int" : "double"),
  }) as const;

export const POOL_DESCRIPTOR: MetricSetDescriptor = {
  name: "piscina.pool",
  brief: "A piscina worker pool, sampled every cadence by the main thread",
  schemaHash: "percore-piscina-v1",
  attributes: [{ name: "pool.name", key: "poolName", type: "string", brief: "Name given to instrumentPool" }],
  measures: [],
  fields: [
    field("completed", "piscina.pool.completed", "counter", "{task}", "Tasks completed by the pool", POOL_AT.completed),
    field("queueSize", "piscina.pool.queue.size", "gauge", "{task}", "Tasks waiting for a worker", POOL_AT.queueSize),
    field("threads", "piscina.pool.threads", "gauge", "{thread}", "Worker threads alive", POOL_AT.threads),
    field("utilization", "piscina.pool.utilization", "gauge", "1", "Share of the pool's capacity in use since it started (0..1)", POOL_AT.utilization),
    field("workersCreated", "piscina.pool.workers.created", "counter", "{thread}", "Worker threads started", POOL_AT.workersCreated),
    field("workersDestroyed", "piscina.pool.workers.destroyed", "counter", "{thread}", "Worker threads that ended", POOL_AT.workersDestroyed),
  ],
  stride: 9,
  slots: 1,
  maxInstances: 100,
};
