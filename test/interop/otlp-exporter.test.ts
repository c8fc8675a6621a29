// The SDK's OTLP/HTTP exporter: into the telemetry server's own /v1/metrics (protobuf and JSON,
// gzip, delta and cumulative) with stored values equal to what was recorded; the data-model rules
// on the requests it sends; retries on 429/502/503/504 honouring Retry-After, never on 400.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OtlpExporter, retryAfterMs, type OtlpExporterOptions } from "../../src/export/otlp-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";
import { decodeRequestForTest } from "./helpers/otlp-encode.ts";
import { ROUTES, recordWorkload, roundsRecorded } from "./helpers/record.ts";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("otlp-export") });
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

async function exportRounds(service: string, options: OtlpExporterOptions, rounds: number): Promise<OtlpExporter> {
  const exporter = new OtlpExporter({ url: `${server.url}/v1/metrics`, ...options });
  const collector = new Collector({ exporters: [exporter], resource: { "service.name": service } });
  let totals;
  for (let r = 0; r < rounds; r++) {
    totals = recordWorkload();
    await collector.flush();
  }
  await collector.shutdown();
  void totals;
  return exporter;
}

async function storedTotals(service: string): Promise<Record<string, number>> {
  const rows = (await query(
    server.url,
    `
    SELECT metric, (attributes->>'route') AS route, instrument, sum(value), sum(count), arg_max(value, time)
    FROM metric_points WHERE resource->>'service.name' = '${service}' AND (attributes->>'route') IS NOT NULL
    GROUP BY ALL`,
  )) as [string, string, string, number, number | null, number][];
  const out: Record<string, number> = {};
  for (const [metric, route, instrument, sum, count, last] of rows) {
    const k = `${metric}|${ROUTES.indexOf(route as never)}`;
    out[k] = instrument === "upDownCounter" ? Number(last) : Number(sum);
    if (count !== null) out[`${k}:count`] = Number(count);
  }
  return out;
}

/** Each round creates new instances with the same attributes: the aggregate view adds them up. */
function expectedTotals(rounds: number): Record<string, number> {
  const out: Record<string, number> = {};
  ROUTES.forEach((_, i) => {
    out[`interop.api.requests|${i}`] = (5 + i + 2) * rounds;
    out[`interop.api.bytes_in|${i}`] = (1000 + i) * rounds;
    out[`interop.api.in_flight|${i}`] = 2 * rounds;
    out[`interop.api.duration|${i}`] = 560.5 * rounds;
    out[`interop.api.duration|${i}:count`] = 5 * rounds;
    out[`interop.api.queue_wait|${i}`] = (6 + i) * rounds;
    out[`interop.api.queue_wait|${i}:count`] = 2 * rounds;
    out[`interop.api.parse|${i}`] = 42 * rounds;
    out[`interop.api.parse|${i}:count`] = 1 * rounds;
  });
  return out;
}

describe("OtlpExporter into the telemetry server", () => {
  for (const [name, options] of [
    ["protobuf, delta", {}],
    ["protobuf, gzip, cumulative", { compression: "gzip", temporality: "cumulative" }],
    ["JSON, delta", { protocol: "http/json" }],
    ["JSON, gzip, cumulative", { protocol: "http/json", compression: "gzip", temporality: "cumulative" }],
  ] as [string, OtlpExporterOptions][]) {
    it(`${name}: stored values equal the recorded totals`, async () => {
      const service = `otlp-${name.replace(/\W+/g, "-")}`;
      const exporter = await exportRounds(service, options, 3);
      expect({ sent: exporter.sent, dropped: exporter.dropped, rejected: exporter.rejectedPoints }).toEqual({ sent: 3, dropped: 0, rejected: 0 });
      expect(await storedTotals(service)).toEqual(expectedTotals(roundsRecorded()));
    });
  }
});

/** A stand-in OTLP receiver that records requests and answers from a script. */
async function fakeReceiver(
  script: (n: number) => { status: number; headers?: Record<string, string> },
): Promise<{ url: string; bodies: { at: number; body: Buffer; req: IncomingMessage }[]; close(): Promise<void> }> {
  const bodies: { at: number; body: Buffer; req: IncomingMessage }[] = [];
  const srv: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      bodies.push({ at: Date.now(), body: Buffer.concat(parts), req });
      const { status, headers } = script(bodies.length);
      res.writeHead(status, headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/metrics`, bodies, close: () => new Promise((r) => srv.close(() => r())) };
}

describe("OtlpExporter requests and retries", () => {
  it("follows the data model: contiguous delta intervals, bucket counts, mmsc min/max, one resource and scope", async () => {
    const rx = await fakeReceiver(() => ({ status: 200 }));
    const exporter = new OtlpExporter({ url: rx.url });
    const collector = new Collector({ exporters: [exporter], resource: { "service.name": "model" } });
    recordWorkload();
    await collector.flush();
    recordWorkload();
    await collector.flush();
    await collector.shutdown();
    await rx.close();
    const reqs = rx.bodies.map((b) => decodeRequestForTest(new Uint8Array(b.body)));
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    const metric = (r: any, name: string) => r.resourceMetrics[0].scopeMetrics[0].metrics.find((m: any) => m.name === name);
    for (const r of reqs) {
      expect(r.resourceMetrics).toHaveLength(1);
      expect(r.resourceMetrics[0].scopeMetrics).toHaveLength(1);
      expect(r.resourceMetrics[0].scopeMetrics[0].scope.name).toBe("percore");
    }
    const [a, b] = reqs;
    const pa = metric(a, "interop.api.requests").sum.dataPoints[0];
    const pb = metric(b, "interop.api.requests").sum.dataPoints[0];
    expect(metric(a, "interop.api.requests").sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: true });
    expect(pb.startTimeUnixNano).toBe(pa.timeUnixNano); // contiguous
    expect(pa.startTimeUnixNano).toBeLessThanOrEqual(pa.timeUnixNano); // (start, end] of the flush; equal when it ran within a millisecond
    expect(metric(a, "interop.api.in_flight").sum).toMatchObject({ aggregationTemporality: 2 });
    const h = metric(a, "interop.api.duration").histogram.dataPoints[0];
    expect(h.explicitBounds).toEqual([1, 5, 10, 100]);
    expect(h.bucketCounts).toHaveLength(5);
    expect(h.bucketCounts.reduce((x: number, y: number) => x + y, 0)).toBe(h.count);
    const w = metric(a, "interop.api.queue_wait").histogram.dataPoints.find((p: any) => p.attributes.some((kv: any) => kv.value.stringValue === "/plain"));
    // The first request carries every round recorded so far (the collector reads instances from zero).
    const n = roundsRecorded() - 1;
    expect(w).toMatchObject({ count: 2 * n, sum: 6 * n, min: 2, max: 4, bucketCounts: [2 * n] });
    expect(metric(a, "interop.api.bytes_in").sum.dataPoints[0].asInt).toBeGreaterThan(0);
  });

  it("retries 429, 502, 503, 504 honouring Retry-After; never retries 400", async () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    const statuses = [429, 502, 503, 504, 200];
    const rx = await fakeReceiver((n) => ({ status: statuses[n - 1] ?? 200, headers: n === 1 ? { "retry-after": "1" } : ({} as Record<string, string>) }));
    const exporter = new OtlpExporter({ url: rx.url, backoffMs: { initial: 10, max: 20 } });
    const collector = new Collector({ exporters: [exporter] });
    recordWorkload();
    await collector.flush();
    expect(rx.bodies.map((b) => b.body.length)).toEqual(Array(5).fill(rx.bodies[0].body.length));
    expect(rx.bodies[1].at - rx.bodies[0].at).toBeGreaterThanOrEqual(950); // Retry-After: 1
    expect({ sent: exporter.sent, dropped: exporter.dropped }).toEqual({ sent: 1, dropped: 0 });
    await collector.shutdown();
    await rx.close();

    const bad = await fakeReceiver(() => ({ status: 400 }));
    const refused = new OtlpExporter({ url: bad.url, backoffMs: { initial: 10, max: 20 } });
    const c2 = new Collector({ exporters: [refused] });
    recordWorkload();
    await c2.flush();
    await c2.shutdown();
    // Each request was sent once and dropped: a 400 is never retried.
    expect(bad.bodies.length).toBeGreaterThanOrEqual(1);
    expect(new Set(bad.bodies.map((b) => b.body.toString("base64"))).size).toBe(bad.bodies.length);
    expect(refused.dropped).toBe(bad.bodies.length);
    expect(refused.lastError?.code).toBe("E_HTTP_400");
    await bad.close();
  });
});
