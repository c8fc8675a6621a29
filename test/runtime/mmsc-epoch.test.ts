// Issue #8 defect 1: a worker creates an instance and records 1 while the collector has not
// processed the announcement yet; the collector flushes (the instance is invisible to it), then
// the worker records 5. The flush must not restart that instance's min/max: the exported
// [count, sum, min, max] is [2, 6, 1, 5]. Repeated for 100 new instances.
import { describe, expect, it } from "vitest";
import { HttpServer } from "../../examples/demo/telemetry.generated.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { StreamReader } from "../../src/wire/stream-reader.ts";
import { exited, startWorker } from "../helpers/workers.ts";

const ROUNDS = 100;

/** Blocks this thread (no event loop turn, so no announcement can be processed) until flags[i] === value. */
function blockUntil(flags: Int32Array, i: number, value: number): void {
  const deadline = Date.now() + 30_000;
  while (Atomics.load(flags, i) !== value) {
    if (Date.now() > deadline) throw new Error(`flag ${i} never reached ${value}`);
    Atomics.wait(flags, i, Atomics.load(flags, i), 1000);
  }
}

describe("mmsc min/max of an instance the collector has not seen yet", () => {
  it(`keeps every value in exactly one interval's min/max (${ROUNDS} new instances)`, async () => {
    const collector = new Collector();
    const reader = new StreamReader();
    /** route -> [count, sum, min, max] merged over the intervals, and how many intervals carried it. */
    const seen = new Map<string, { value: number[]; intervals: number }>();
    const flush = () => {
      const out = collector.collect();
      if (!out) return;
      for (const p of reader.read(out.batch)) {
        if (p.metric !== "http.server.queue_wait" || p.attributes.worker_id !== 61) continue;
        const [count, sum, min, max] = p.value as number[];
        const route = String(p.attributes.route);
        const prev = seen.get(route);
        if (!prev) seen.set(route, { value: [count, sum, min, max], intervals: 1 });
        else (prev.value = [prev.value[0] + count, prev.value[1] + sum, Math.min(prev.value[2], min), Math.max(prev.value[3], max)]), prev.intervals++;
      }
    };
    // The worker's thread is known to the collector before the rounds (as in the trial).
    const known = new HttpServer({ workerId: 60, route: "/known" });
    known.queueWait.record(2, "GET", "2xx");
    const flags = new Int32Array(new SharedArrayBuffer(16));
    const worker = startWorker(new URL("./fixtures/mmsc-new-instance-worker.ts", import.meta.url), { flags, rounds: ROUNDS });
    const done = exited(worker);
    for (let k = 1; k <= ROUNDS; k++) {
      Atomics.store(flags, 0, k);
      Atomics.notify(flags, 0);
      blockUntil(flags, 1, k);
      flush(); // the announcement of /new{k} is still queued: this thread has not yielded since
      Atomics.store(flags, 2, k);
      Atomics.notify(flags, 2);
      blockUntil(flags, 3, k);
      // Now let the announcement in, and flush until the instance's two values are reported.
      const deadline = Date.now() + 30_000;
      while ((seen.get(`/new${k}`)?.value[0] ?? 0) < 2) {
        if (Date.now() > deadline) throw new Error(`/new${k} never reported`);
        await new Promise((resolve) => setImmediate(resolve));
        flush();
      }
    }
    await done;
    // A collector in its own thread is not blocked with this one: it may see the announcement
    // before the first flush, and then reports the two values in two intervals; the merged
    // [count, sum, min, max] must be the same either way.
    const threadMode = !(collector instanceof Collector);
    for (let k = 1; k <= ROUNDS; k++) {
      const got = seen.get(`/new${k}`);
      expect({ route: `/new${k}`, value: got?.value }).toEqual({ route: `/new${k}`, value: [2, 6, 1, 5] });
      if (!threadMode) expect(got?.intervals, `/new${k}`).toBe(1);
    }
    await collector.shutdown();
  }, 120_000);
});
