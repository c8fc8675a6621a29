// Requirement (a): at least 2 workers x 10M increments spread over many fields and measurement
// slots while the collector flushes every 1 ms; the sum of the emitted deltas equals the increments.
import { describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { exited, startWorker } from "../helpers/workers.ts";
import { TotalsExporter } from "../helpers/totals.ts";
import { METHODS, ROUTES, STATUSES, step, type Step } from "./fixtures/load-plan.ts";

const ITERATIONS = 10_000_000;
const WORKERS = 2;

describe("lossless flush under load", () => {
  it("2 workers x 10M recordings at a 1 ms cadence: emitted deltas equal the recordings exactly", async () => {
    const totals = new TotalsExporter();
    const collector = new Collector({ cadenceMs: 1, exporters: [totals] }).start();
    const workers = Array.from({ length: WORKERS }, () => startWorker(new URL("./fixtures/load-worker.ts", import.meta.url), { iterations: ITERATIONS }));
    await Promise.all(workers.map(exited));
    await collector.shutdown();

    // Expected totals per (route, method, status, field): computed with the same plan.
    const expected = new Map<string, number>();
    const add = (k: string, v: number) => expected.set(k, (expected.get(k) ?? 0) + v);
    const s: Step = { route: 0, method: 0, status: 0, field: 0, value: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      step(i, s);
      const k = `${s.route}|${s.method}|${s.status}`;
      if (s.field === 0) add(k + "|requests", WORKERS);
      else if (s.field === 1) add(k + "|payload", 3 * WORKERS);
      else if (s.field === 2) add(k + "|durCount", WORKERS), add(k + "|durSum", s.value * WORKERS);
      else add(k + "|waitCount", WORKERS), add(k + "|waitSum", s.value * WORKERS);
    }

    let checked = 0;
    let recorded = 0;
    ROUTES.forEach((route, r) =>
      METHODS.forEach((method, m) =>
        STATUSES.forEach((status, st) => {
          const k = `${r}|${m}|${st}`;
          const attrs = { worker_id: 0, route };
          const measures = { method, status };
          const got = {
            requests: totals.total("http.server.requests", attrs, measures),
            payload: totals.total("http.server.payload_size", attrs, measures),
            durCount: totals.total("http.server.duration", attrs, measures, ":count"),
            durSum: totals.total("http.server.duration", attrs, measures, ":sum"),
            waitCount: totals.total("http.server.queue_wait", attrs, measures, ":count"),
            waitSum: totals.total("http.server.queue_wait", attrs, measures, ":sum"),
          };
          for (const [name, v] of Object.entries(got)) {
            expect(v, `${k} ${name}`).toBe(expected.get(`${k}|${name}`) ?? 0);
            checked++;
          }
          recorded += got.requests + got.payload / 3 + got.durCount + got.waitCount;
        }),
      ),
    );
    expect(checked).toBe(2 * 3 * 4 * 6);
    expect(recorded).toBe(WORKERS * ITERATIONS);
    // The flushes really ran concurrently with the recording (otherwise this proves little).
    expect(totals.batches).toBeGreaterThan(10);
  });
});
