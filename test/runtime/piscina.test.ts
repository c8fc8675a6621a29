// A piscina pool's workers report with no per-worker boilerplate; the pool reports its own health.
import { Piscina } from "piscina";
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { instrumentPool } from "../../src/runtime/piscina.ts";
import { TotalsExporter } from "../helpers/totals.ts";

/** A pool running the TypeScript task fixture (see examples/lib/ts-task.mjs for why the bootstrap). */
const taskPool = (options: { minThreads: number; maxThreads: number; idleTimeout?: number }) =>
  new Piscina({
    filename: new URL("../../examples/lib/ts-task.mjs", import.meta.url).href,
    argv: [new URL("./fixtures/pool-task.ts", import.meta.url).href],
    execArgv: ["--conditions=source"],
    ...options,
  });

describe("piscina integration", () => {
  it("aggregates every worker's instances exactly and reports the pool", async () => {
    const totals = new TotalsExporter();
    const collector = new Collector({ cadenceMs: 5, exporters: [totals] }).start();
    const pool = taskPool({ minThreads: 2, maxThreads: 2 });
    const stop = instrumentPool(pool, { name: "test", intervalMs: 5 });
    const tasks = 200;
    const n = 5_000;
    const threads = await Promise.all(Array.from({ length: tasks }, () => pool.run({ n })));
    expect(new Set(threads).size).toBe(2);
    stop();
    await pool.destroy();
    await collector.shutdown();
    const attrs = { worker_id: 0, route: "/pool" };
    expect(totals.total("http.server.requests", attrs, { method: "GET", status: "2xx" })).toBe((tasks * n) / 2);
    expect(totals.total("http.server.requests", attrs, { method: "POST", status: "2xx" })).toBe((tasks * n) / 2);
    expect(totals.total("http.server.duration", attrs, { method: "GET", status: "2xx" }, ":count")).toBe(tasks * n);
    expect(totals.total("process.worker.tasks", {})).toBe(tasks);
    expect(totals.total("piscina.pool.completed", { "pool.name": "test" })).toBe(tasks);
    expect(totals.total("piscina.pool.workers.created", { "pool.name": "test" })).toBeGreaterThanOrEqual(2);
  });

  it("workers the pool terminates are released after their last counts are read", async () => {
    const totals = new TotalsExporter();
    const collector = new Collector({ cadenceMs: 20, exporters: [totals] }).start();
    const pool = taskPool({ minThreads: 0, maxThreads: 2, idleTimeout: 100 });
    const stop = instrumentPool(pool, { name: "idle", intervalMs: 20 });
    // Counted from the start: on a busy machine a worker that ran out of tasks early can be
    // terminated (100 ms idle) before the others finish.
    let destroyed = 0;
    pool.on("workerDestroy", () => destroyed++);
    // Rounds of 50 tasks until piscina has run two workers: on a busy machine one worker can take
    // every task of a round, and piscina never terminates its last worker (a CI run waited 15 s
    // for a destroy that could not come).
    let rounds = 0;
    let created = 0;
    pool.on("workerCreate", () => created++);
    while (created < 2 && rounds < 20) {
      await Promise.all(Array.from({ length: 50 }, () => pool.run({ n: 1000 })));
      rounds++;
    }
    expect(created).toBeGreaterThanOrEqual(2);
    expect(collector.stats.threads).toBeGreaterThanOrEqual(2);
    // piscina terminates idle workers (terminate() skips their own exit notice; instrumentPool
    // says it for them) and keeps at least one: the collector ends up tracking the main thread
    // and the workers still alive, nothing else.
    const until = Date.now() + 15_000;
    while ((destroyed === 0 || collector.stats.threads !== 1 + pool.threads.length) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(destroyed).toBeGreaterThanOrEqual(1);
    expect(collector.stats.threads).toBe(1 + pool.threads.length);
    stop();
    await pool.destroy();
    await collector.shutdown();
    expect(totals.total("http.server.requests", { worker_id: 0, route: "/pool" }, { method: "GET", status: "2xx" })).toBe(rounds * 25_000);
    expect(totals.total("piscina.pool.workers.destroyed", { "pool.name": "idle" })).toBeGreaterThanOrEqual(1);
  });
});
