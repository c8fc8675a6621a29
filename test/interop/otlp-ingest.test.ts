// OTLP/HTTP ingest in the server, fed by a client no one here wrote: the OpenTelemetry JS SDK
// with its protobuf and JSON exporters (cumulative and delta, with and without gzip). The stored
// values must equal what was recorded. Then bad bodies: each answered with 400 (or 200 with
// partial_success), nothing stored before them lost, the server still serving.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { OTLPMetricExporter as ProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPMetricExporter as JsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query, startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("otlp-ingest") });
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

/** Records the same workload through the real SDK, exporting after each round. */
async function recordWithOtel(service: string, exporter: PushMetricExporter, rounds: number): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": service }), readers: [reader] });
  const meter = provider.getMeter("interop-test", "1.0.0");
  const requests = meter.createCounter("app.requests", { unit: "{request}", description: "Requests" });
  const active = meter.createUpDownCounter("app.active", { unit: "{request}" });
  const latency = meter.createHistogram("app.latency", { unit: "ms", advice: { explicitBucketBoundaries: [1, 10, 100] } });
  const temp = meter.createGauge("app.temperature", { unit: "Cel" });
  for (let r = 0; r < rounds; r++) {
    requests.add(3, { route: "/a", ok: true });
    requests.add(2, { route: 'q"\\\n', ok: false });
    active.add(5, { route: "/a" });
    active.add(-2, { route: "/a" });
    for (const v of [0.5, 5, 50, 500]) latency.record(v, { route: "/a" });
    temp.record(20 + r, { room: "lab" });
    await reader.forceFlush();
  }
  await provider.shutdown();
}

async function stored(service: string): Promise<Record<string, number>> {
  const rows = await query(
    server.url,
    `
    SELECT metric, instrument, attributes->>'route' AS route,
      sum(value), sum(count), arg_max(value, time)
    FROM metric_points WHERE resource->>'service.name' = '${service}' GROUP BY ALL ORDER BY ALL`,
  );
  const out: Record<string, number> = {};
  for (const [metric, instrument, route, sum, count, last] of rows as [string, string, string | null, number, number | null, number][]) {
    const k = `${metric}${route ? `{${route}}` : ""}`;
    if (instrument === "upDownCounter" || instrument === "gauge") out[k] = Number(last);
    else out[k] = Number(sum);
    if (count !== null) out[`${k}:count`] = Number(count);
  }
  return out;
}

const expected = (rounds: number) => ({
  "app.requests{/a}": 3 * rounds,
  'app.requests{q"\\\n}': 2 * rounds,
  "app.active{/a}": 3 * rounds,
  "app.latency{/a}": 555.5 * rounds,
  "app.latency{/a}:count": 4 * rounds,
  "app.temperature": 20 + rounds - 1,
});

describe("OTLP/HTTP ingest from the OpenTelemetry JS SDK", () => {
  it("exporter-metrics-otlp-proto (cumulative): stored values equal what was recorded", async () => {
    await recordWithOtel("otel-proto", new ProtoExporter({ url: `${server.url}/v1/metrics` }), 3);
    expect(await stored("otel-proto")).toEqual(expected(3));
  });

  it("exporter-metrics-otlp-proto with gzip and delta temporality", async () => {
    const exporter = new ProtoExporter({ url: `${server.url}/v1/metrics`, compression: CompressionAlgorithm.GZIP, temporalityPreference: AggregationTemporality.DELTA });
    await recordWithOtel("otel-proto-gzip", exporter, 2);
    expect(await stored("otel-proto-gzip")).toEqual(expected(2));
  });

  it("exporter-metrics-otlp-http (JSON), cumulative and delta", async () => {
    await recordWithOtel("otel-json", new JsonExporter({ url: `${server.url}/v1/metrics` }), 3);
    expect(await stored("otel-json")).toEqual(expected(3));
    await recordWithOtel("otel-json-delta", new JsonExporter({ url: `${server.url}/v1/metrics`, temporalityPreference: AggregationTemporality.DELTA }), 2);
    expect(await stored("otel-json-delta")).toEqual(expected(2));
  });

  it("shows OTLP metrics on /metrics with the same naming rules", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('app_requests_total{ok="true",route="/a",service_name="otel-proto"} 9\n');
    expect(text).toContain('app_latency_seconds_count{route="/a",service_name="otel-proto"} 12\n');
    expect(text).toContain("# TYPE app_temperature_celsius gauge\n");
  });
});

const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);
const jsonBody = (points: unknown[], metric: Record<string, unknown> = {}) =>
  JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "bad-input" } }] },
        scopeMetrics: [
          { scope: { name: "t" }, metrics: [{ name: "bad.sum", unit: "1", sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points }, ...metric }] },
        ],
      },
    ],
  });
const post = async (body: string | Uint8Array, headers: Record<string, string>) => {
  const res = await fetch(`${server.url}/v1/metrics`, { method: "POST", headers, body: body as Uint8Array<ArrayBuffer> });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    text,
    json: (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  };
};
const JSON_HEADERS = { "content-type": "application/json" };

describe("bad OTLP input", () => {
  const now = Date.now();
  const good = { timeUnixNano: nanos(now), startTimeUnixNano: nanos(now - 1000), asDouble: 1 };

  it("refuses malformed bodies, wrong content types and encodings with a 4xx JSON error", async () => {
    const cases: [string | Uint8Array, Record<string, string>, number, string][] = [
      [new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), { "content-type": "application/x-protobuf" }, 400, "E_BAD_PROTOBUF"],
      ["{not json", JSON_HEADERS, 400, "E_BAD_JSON"],
      ['{"resourceMetrics": 5}', JSON_HEADERS, 400, "E_BAD_JSON"],
      ["hello", { "content-type": "text/plain" }, 415, "E_BAD_CONTENT_TYPE"],
      [jsonBody([good]), { ...JSON_HEADERS, "content-encoding": "br" }, 415, "E_BAD_ENCODING"],
      [jsonBody([good]), { ...JSON_HEADERS, "content-encoding": "gzip" }, 415, "E_BAD_ENCODING"],
      [gzipSync(Buffer.alloc(64 * 1024 * 1024)), { "content-type": "application/x-protobuf", "content-encoding": "gzip" }, 413, "E_TOO_BIG"],
    ];
    for (const [body, headers, status, code] of cases) {
      const r = await post(body, headers);
      expect([r.status, r.json?.error?.code], r.text).toEqual([status, code]);
    }
  });

  it("rejects zero timestamps, NaN values and histogram counts that do not match the bounds; keeps the rest", async () => {
    const r = await post(jsonBody([good, { ...good, timeUnixNano: "0" }, { ...good, asDouble: "NaN" }]), JSON_HEADERS);
    expect(r.status).toBe(200);
    expect(r.json.partialSuccess.rejectedDataPoints).toBe("2");
    expect(r.json.partialSuccess.errorMessage).toMatch(/time_unix_nano is zero/);
    expect(r.json.partialSuccess.errorMessage).toMatch(/NaN/);
    const hist = JSON.stringify({
      resourceMetrics: [
        {
          resource: {},
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "bad.hist",
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      { timeUnixNano: nanos(now), count: "3", sum: 3, bucketCounts: ["1", "2"], explicitBounds: [1, 2] },
                      { timeUnixNano: nanos(now), count: "5", sum: 3, bucketCounts: ["1", "2", "1"], explicitBounds: [1, 2] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const h = await post(hist, JSON_HEADERS);
    expect(h.status).toBe(400);
    expect(h.json.error.code).toBe("E_BAD_OTLP");
    expect(h.json.error.message).toMatch(/bucket_counts has 2 entries, explicit_bounds 2/);
    expect(h.json.error.message).toMatch(/add up to 4, count is 5/);
    // The one good point is stored, earlier data is intact, the server still serves.
    expect(await stored("bad-input")).toEqual({ "bad.sum": 1 });
    expect(await stored("otel-proto")).toEqual(expected(3));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("answers partial_success in protobuf to a protobuf request", async () => {
    const body = JSON.parse(jsonBody([good, { ...good, timeUnixNano: "0" }]));
    // Encode through the official definitions (via the JSON mapping), then post it as protobuf.
    const { encodeRequestForTest } = await import("./helpers/otlp-encode.ts");
    const r = await fetch(`${server.url}/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf" },
      body: encodeRequestForTest(body) as Uint8Array<ArrayBuffer>,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/x-protobuf");
    const { decodeResponseForTest } = await import("./helpers/otlp-encode.ts");
    const reply = decodeResponseForTest(new Uint8Array(await r.arrayBuffer()));
    expect(reply.partialSuccess?.rejectedDataPoints).toBe(1);
  });
});
