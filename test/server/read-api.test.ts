// Reading back: Prometheus exposition of the cumulative state, JSON series, generic events.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch } from "../../src/wire/batch.ts";
import { promtoolCheck } from "../interop/helpers/tools.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, waitFor, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess;

const odd: Batch = {
  v: 1,
  stream: "odd",
  seq: 1,
  start: 0,
  end: 1_700_000_000_000,
  open: { resource: { "service.name": "odd" }, schemaHash: "h", sdk: { name: "t", version: "0" }, view: "aggregate" },
  sets: [
    {
      name: "weird",
      brief: "",
      schemaHash: "h",
      attributes: [{ name: "path", type: "string", brief: "" }],
      measures: [],
      fields: [
        { name: "io.read", instrument: "counter", unit: "By", brief: "Bytes read\nfrom \\disk", valueType: "int" },
        { name: "io.wait", instrument: "upDownCounter", unit: "s", brief: "Waiters", valueType: "int" },
      ],
    },
  ],
  series: [[0, 0, ['C:\\dir "quoted"\nnext']]],
  points: [[0, 0, 100, 1, 3]],
};

beforeAll(async () => {
  // Some events here are written the pre-#11 way (without the four fields): compatibility mode.
  server = await startServerProcess({ store: tempStore("read"), args: ["--event-fields", "optional"] });
  // Two short-lived jobs push deltas for the same labels: /metrics adds them up.
  for (const job of ["job-1", "job-2"]) {
    for (let seq = 1; seq <= 3; seq++)
      expect(
        (await post(server.url, { ...batch(job, seq, seq), ...(seq === 1 ? { open: { ...batch(job, 1).open!, resource: { "service.name": "test" } } } : {}) })).status,
      ).toBe(200);
  }
  expect((await post(server.url, odd)).status).toBe(200);
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("/metrics", () => {
  it("exposes cumulative counters and histograms, merged across streams", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    // 2 jobs x (1 + 2 + 3) items on series a (ok) and b (error)
    expect(text).toContain("# HELP job_items_total Items processed\n# TYPE job_items_total counter\n");
    expect(text).toContain('job_items_total{job_name="a",outcome="ok",service_name="test"} 12\n');
    expect(text).toContain('job_items_total{job_name="b",outcome="error",service_name="test"} 12\n');
    // histogram: sum 0.5 * items ms, all observations in the first bucket; exposed in seconds
    // (the base unit: see docs/interop.md), so bounds and sums are divided by 1000
    expect(text).toContain("# TYPE job_latency_seconds histogram\n");
    expect(text).toContain('job_latency_seconds_bucket{job_name="a",outcome="ok",service_name="test",le="0.001"} 12\n');
    expect(text).toContain('job_latency_seconds_bucket{job_name="a",outcome="ok",service_name="test",le="0.1"} 12\n');
    expect(text).toContain('job_latency_seconds_bucket{job_name="a",outcome="ok",service_name="test",le="+Inf"} 12\n');
    expect(text).toContain('job_latency_seconds_sum{job_name="a",outcome="ok",service_name="test"} 0.006\n');
    expect(text).toContain('job_latency_seconds_count{job_name="a",outcome="ok",service_name="test"} 12\n');
    // unit suffixes, escaping of label values and HELP
    expect(text).toContain("# HELP io_read_bytes_total Bytes read\\nfrom \\\\disk\n");
    expect(text).toContain('io_read_bytes_total{path="C:\\\\dir \\"quoted\\"\\nnext",service_name="odd"} 100\n');
    expect(text).toContain('# TYPE io_wait_seconds gauge\nio_wait_seconds{path="C:\\\\dir \\"quoted\\"\\nnext",service_name="odd"} 3\n');
  });

  it("passes promtool check metrics", async () => {
    // No error and no lint problem: promtool prints nothing and exits 0.
    expect(promtoolCheck(await (await fetch(`${server.url}/metrics`)).text())).toEqual({ code: 0, output: "" });
  });

  it("survives a restart: the cumulative state is rebuilt from the store", async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    await server.stop();
    server = await startServerProcess({ store: server.store, args: ["--event-fields", "optional"] });
    expect(await (await fetch(`${server.url}/metrics`)).text()).toBe(before);
  }, 30_000);
});

describe("/api/v1/series", () => {
  it("sums counters per step, grouped by the requested attributes", async () => {
    const t0 = 1_700_000_000_000;
    const res = await fetch(`${server.url}/api/v1/series?metric=job.items&from=${t0}&to=${t0 + 100}&step=20ms&by=outcome`);
    const body = (await res.json()) as { instrument: string; series: { labels: Record<string, string>; points: { t: number; sum: number }[] }[] };
    expect(body.instrument).toBe("counter");
    const ok = body.series.find((s) => s.labels.outcome === "ok")!;
    // batch seq s ends at t0 + 10 s: steps [t0, t0+20) hold seq 1, [t0+20, t0+40) hold seq 2 and 3
    expect(ok.points).toEqual([
      { t: t0, sum: 2 * 1 },
      { t: t0 + 20, sum: 2 * (2 + 3) },
    ]);
  });

  it("gives histogram quantiles", async () => {
    const res = await fetch(`${server.url}/api/v1/series?metric=job.latency&from=0&to=now&step=1d`);
    const body = (await res.json()) as { series: { points: { count: number; p50: number; p99: number }[] }[] };
    const p = body.series[0].points[0];
    expect(p.count).toBe(12);
    expect(p.p50).toBeGreaterThan(0);
    expect(p.p99).toBeLessThanOrEqual(1);
  });

  it("refuses bad parameters with 400", async () => {
    const res = await fetch(`${server.url}/api/v1/series?metric=job.items&step=banana`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; where: string } }).error).toMatchObject({ code: "E_BAD_PARAM", where: "step" });
  });
});

describe("generic events", () => {
  it("NDJSON: columns from the four event fields, event_id deduplicates, the stream records headers once", async () => {
    const lines = [
      { event_id: "e-1", event_time: "2024-01-02T03:04:05Z", event_type: "deploy", event_name: "api", version: "1.2" },
      { event_id: "e-2", event_type: "deploy", nested: { a: [1, 2] } },
      { message: "no id" },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n");
    const send = () =>
      fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson", "x-client": "curl-like" }, body: lines }).then((r) =>
        r.json(),
      );
    expect(await send()).toMatchObject({ stored: 3 });
    expect(await send()).toMatchObject({ stored: 1, duplicates: 2 }); // e-1 and e-2 again: skipped; the id-less one is new
    const rows = await query(
      server.url,
      "SELECT event_id, strftime(event_time, '%Y-%m-%dT%H:%M:%S'), event_type, event_name, payload->>'version' FROM events WHERE event_id LIKE 'e-%' ORDER BY event_id",
    );
    expect(rows).toEqual([
      ["e-1", "2024-01-02T03:04:05", "deploy", "api", "1.2"],
      ["e-2", null, "deploy", null, null],
    ]);
    const streams = await query(
      server.url,
      "SELECT (headers->>'x-client'), remote IS NOT NULL, stored FROM streams WHERE kind = 'events' AND (headers->>'x-client') IS NOT NULL",
    );
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(streams[0][0]).toBe("curl-like");
    expect(streams[0][1]).toBe(true);
  });

  it("WebSocket text frames: one event each, acknowledged with the count", async () => {
    const replies = await new Promise<unknown[]>((resolve, reject) => {
      const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws");
      const got: unknown[] = [];
      ws.on("open", () => {
        for (let i = 0; i < 5; i++) ws.send(JSON.stringify({ event_type: "ws", i }));
      });
      ws.on("message", (d: Buffer) => {
        got.push(JSON.parse(d.toString()));
        if (got.length === 5) ws.close();
      });
      ws.on("close", () => resolve(got));
      ws.on("error", reject);
    });
    expect(replies.at(-1)).toEqual({ stored: 1, duplicates: 0, rejected: 0, total: 5 });
    expect((await query(server.url, "SELECT count(*) FROM events WHERE event_type = 'ws'"))[0][0]).toBe(5);
  });

  it("logs one line per stream opened and closed", async () => {
    await waitFor(() => /stream closed events-[0-9a-f-]+ \(events\)/.test(server.output()), "an event stream logged closed");
    expect(server.output()).toMatch(/stream opened events-[0-9a-f-]+ \(events\)/);
    expect(server.output()).toMatch(/stream closed events-[0-9a-f-]+ \(events\)/);
  });
});
