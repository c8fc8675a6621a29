// The SDK's own metrics (delta batches) through PromQL: every sample of the server's /metrics can
// be queried by the same name and labels (plus job/instance from the resource) and has the same
// value, and a range query shows the cumulative counter a Prometheus scraping every 15 s would store.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, post } from "../server/helpers/batches.ts";
import { startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";
import { samples } from "./helpers/exposition.ts";

let server: ServerProcess;
const T0 = 1_750_000_020_000; // a multiple of 15 s
const ITEMS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
const endOf = (seq: number) => T0 + seq * 10_000;

async function promql(path: string, params: Record<string, string>): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
  return res.json();
}

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("promql-native") });
  for (let seq = 1; seq <= ITEMS.length; seq++) {
    const r = await post(server.url, batch("native-1", seq, ITEMS[seq - 1], { start: endOf(seq) - 10_000, end: endOf(seq) }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("native metrics through PromQL", () => {
  it("every /metrics sample is a PromQL series with the same name, labels (+ job, instance) and value", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const exposed = samples(text);
    expect(exposed.length).toBeGreaterThan(5);
    const time = String(Math.ceil(endOf(ITEMS.length) / 15_000) * 15);
    for (const s of exposed) {
      const selector = `${s.name}{${Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
      const r = await promql("/api/v1/query", { query: selector, time });
      expect(r.status, `${selector} ${JSON.stringify(r).slice(0, 300)}`).toBe("success");
      expect(r.data.result, selector).toHaveLength(1);
      expect(r.data.result[0].metric).toEqual({ ...s.labels, __name__: s.name, job: "test", instance: "native-1" });
      expect(Number(r.data.result[0].value[1]), selector).toBeCloseTo(s.value, 9);
    }
  });

  it("counters are cumulative on a 15 s grid: the sum of the deltas stored up to each point", async () => {
    const start = T0,
      end = T0 + 120_000;
    const r = await promql("/api/v1/query_range", {
      query: 'job_items_total{job_name="a", outcome="ok"}',
      start: String(start / 1000),
      end: String(end / 1000),
      step: "15",
    });
    expect(r.status).toBe("success");
    const expected: [number, string][] = [];
    for (let g = start; g <= end; g += 15_000) {
      let sum = 0;
      ITEMS.forEach((n, i) => endOf(i + 1) <= g && (sum += n));
      if (g >= endOf(1)) expected.push([g / 1000, String(sum)]);
    }
    expect(r.data.result).toHaveLength(1);
    expect(r.data.result[0].values).toEqual(expected);
    // A window starting after the first deltas: the values still count them (folded before the window).
    const late = await promql("/api/v1/query", { query: 'job_items_total{job_name="a", outcome="ok"}[30s]', time: String((T0 + 100_000) / 1000) });
    expect(late.data.result[0].values).toEqual(expected.filter(([t]) => t >= (T0 + 70_000) / 1000 && t <= (T0 + 100_000) / 1000));
    expect(late.data.result[0].values).toHaveLength(2);
    const inc = await promql("/api/v1/query", { query: 'increase(job_items_total{job_name="a", outcome="ok"}[1m])', time: String((T0 + 90_000) / 1000) });
    expect(inc.data.result).toHaveLength(1);
    expect(Number(inc.data.result[0].value[1])).toBeGreaterThan(0);
  });

  it("labels, values and metadata include the native series", async () => {
    expect((await promql("/api/v1/label/__name__/values", {})).data).toContain("job_items_total");
    expect((await promql("/api/v1/label/instance/values", {})).data).toEqual(["native-1"]);
    const meta = (await promql("/api/v1/metadata", {})).data;
    expect(meta.job_items).toEqual([{ type: "counter", help: "Items processed", unit: "" }]);
  });
});
