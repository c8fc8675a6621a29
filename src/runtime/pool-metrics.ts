// Descriptor of the metric set a piscina pool reports about itself (see piscina.ts). Written by
// hand in the same shape the generator emits, so it travels and decodes like any user set.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";

const field = (key: string, name: string, instrument: "counter" | "gauge", unit: string, brief: string, offset: number) =>
  ({ name, key, instrument, unit, brief, valueType: instrument === "counter" ? "int" : "double", stability: "development", offset, width: 1 }) as const;

export const POOL_DESCRIPTOR: MetricSetDescriptor = {
  name: "piscina.pool",
  brief: "A piscina worker pool, sampled every cadence by the main thread",
  schemaHash: "percore-piscina-v1",
  attributes: [{ name: "pool.name", key: "poolName", type: "string", brief: "Name given to instrumentPool" }],
  measures: [],
  fields: [
    field("completed", "piscina.pool.completed", "counter", "{task}", "Tasks completed by the pool", 0),
    field("queueSize", "piscina.pool.queue.size", "gauge", "{task}", "Tasks waiting for a worker", 1),
    field("threads", "piscina.pool.threads", "gauge", "{thread}", "Worker threads alive", 2),
    field("utilization", "piscina.pool.utilization", "gauge", "1", "Share of the pool's capacity in use since it started (0..1)", 3),
    field("workersCreated", "piscina.pool.workers.created", "counter", "{thread}", "Worker threads started", 4),
    field("workersDestroyed", "piscina.pool.workers.destroyed", "counter", "{thread}", "Worker threads that ended", 5),
  ],
  stride: 6,
  slots: 1,
  maxInstances: 100,
};
