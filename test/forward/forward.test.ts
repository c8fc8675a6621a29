// Remote-write forwarding end to end: an SDK service with known totals -> our server (a real
// process) -> the real Prometheus 2.42 and VictoriaMetrics at the same time. The totals read back
// through each receiver's own query API equal the recorded totals exactly.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, startVictoriaMetrics, type RealPrometheus } from "../promql/helpers/prometheus.ts";
import { scalar, startServerProcess, tempStore, until, type ServerProcess } from "../server/helpers/server-process.ts";
import { DuckDBInstance } from "@duckdb/node-api";
import { encodeWriteRequest } from "../../src/server/remote-write/remote-write-proto.ts";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { forwardCounters, instant, runService } from "./helpers/forward.ts";

let prom: RealPrometheus, vm: RealPrometheus;
const servers = new Set<ServerProcess>();
const stores: string[] = [];

beforeAll(async () => {
  [prom, vm] = await Promise.all([startPrometheus(), startVictoriaMetrics()]);
}, 90_000);
afterAll(async () => {
  for (const s of servers) await s.stop("SIGKILL");
  await Promise.all([prom?.stop(), vm?.stop()]);
  for (const s of stores) rmSync(dirname(s), { recursive: true, force: true });
});

async function start(store: string, port?: number, extra: string[] = []): Promise<ServerProcess> {
  const s = await startServerProcess({ store, port, args: ["--remote-write", prom.writeUrl, "--remote-write", vm.writeUrl, ...extra] });
  servers.add(s);
  void s.proc.once("exit", () => servers.delete(s));
  return s;
}
const newStore = (name: string) => {
  const s = tempStore(name);
  stores.push(s);
  return s;
};

/** Waits until both receivers answer `query` with `want`. */
async function bothEqual(query: string, want: number): Promise<void> {
  for (const r of [prom, vm]) {
    await until(async () => ((await instant(r, query)) === want ? true : undefined), `${r.writeUrl}: ${query} == ${want}`, 60_000).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; last answer ${await instant(r, query)}`);
    });
  }
}

describe("forwarding to Prometheus and VictoriaMetrics", () => {
  it("an SDK service's totals arrive exactly at both receivers: counters, histogram counts and sums, with no gaps", async () => {
    const server = await start(newStore("fwd-exact"));
    const total = 20_000;
    await runService(server.url, { route: "/exact", service: "fwd-exact", workers: 2, total, chunks: 40, pauseMs: 10 });
    await bothEqual('sum(http_server_requests_total{route="/exact"})', 2 * total);
    await bothEqual('sum(http_server_duration_seconds_count{route="/exact"})', 2 * total);
    await bothEqual('sum(http_server_duration_seconds_bucket{route="/exact",le="+Inf"})', 2 * total);
    await bothEqual('sum(http_server_queue_wait_seconds_count{route="/exact"})', 2 * total);
    // Every stored point is a sample at the receiver: the counter's samples equal its stored points.
    const stored = (await await fetch(`${server.url}/api/v1/sql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql: "SELECT count(*) FROM metric_points WHERE metric = 'http.server.requests'" }),
    }).then((r) => r.json())) as { rows: number[][] };
    const points = Number(stored.rows[0][0]);
    expect(points).toBeGreaterThan(20);
    await bothEqual('sum(count_over_time(http_server_requests_total{route="/exact"}[1h]))', points);
    // The server's own metrics say what was sent, and nothing is pending any more.
    const c = await until(async () => {
      const m = await forwardCounters(server.url);
      return m.get(`percore_remote_write_lag_points ${vm.writeUrl}`) === 0 ? m : undefined;
    }, "lag 0");
    for (const r of [prom, vm]) {
      expect(c.get(`percore_remote_write_sent_samples_total ${r.writeUrl}`)).toBeGreaterThan(points);
      expect(c.get(`percore_remote_write_rejected_batches_total ${r.writeUrl}`)).toBe(0);
      expect(c.get(`percore_remote_write_lag_seconds ${r.writeUrl}`)).toBe(0);
    }
  }, 120_000);

  it("a receiver refuses one batch with a 400: logged with its reason, counted, and forwarding goes on", async () => {
    const server = await start(newStore("fwd-400"));
    const total = 20_000;
    let refused = "";
    const meddle = async () => {
      // The series exactly as the server forwards them: its PromQL API names them the same way.
      const labels = await until(async () => {
        const res = await fetch(`${server.url}/api/v1/series?${new URLSearchParams({ "match[]": 'http_server_requests_total{route="/r400"}' })}`);
        const body = (await res.json()) as { data: Record<string, string>[] };
        return body.data[0];
      }, "the series at our server");
      // Prometheus now holds a sample of that series 2 s ahead: the server's next batch carrying it is
      // refused whole with 400 out of order sample (a first send, so not a resend already stored).
      const ahead = Date.now() + 2000;
      const body = encodeWriteRequest({
        timeseries: [
          {
            labels: Object.entries(labels)
              .map(([name, value]) => ({ name, value }))
              .sort((a, b) => (a.name < b.name ? -1 : 1)),
            samples: [{ value: 0, timestamp: ahead }],
          },
        ],
      });
      const res = await fetch(prom.writeUrl, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
        body: body as Uint8Array<ArrayBuffer>,
      });
      expect(res.status).toBe(204);
      refused = await until(async () => /remote write to .*rejected: 400 .*out of order/.exec(server.output())?.[0], "the rejection logged");
    };
    await runService(server.url, { route: "/r400", service: "fwd-400", workers: 2, total, chunks: 200, pauseMs: 25 }, meddle);
    expect(refused).toContain(prom.writeUrl);
    const c = await forwardCounters(server.url);
    expect(c.get(`percore_remote_write_rejected_batches_total ${prom.writeUrl}`)).toBeGreaterThanOrEqual(1);
    expect(c.get(`percore_remote_write_rejected_samples_total ${prom.writeUrl}`)).toBeGreaterThan(0);
    expect(c.get(`percore_remote_write_rejected_batches_total ${vm.writeUrl}`)).toBe(0);
    // Later batches went through: counters are cumulative, so the last sample still carries the exact total.
    await bothEqual('sum(http_server_requests_total{route="/r400"})', 2 * total);
  }, 120_000);

  it("a crash between send and confirmation: the span is resent, Prometheus's 400 out of order on it counts as delivered", async () => {
    const store = newStore("fwd-resend");
    let server = await start(store);
    const port = server.port;
    const total = 4000;
    await runService(server.url, { route: "/resend", service: "fwd-resend", workers: 1, total, chunks: 20, pauseMs: 30 });
    await bothEqual('sum(http_server_requests_total{route="/resend"})', total);
    await until(async () => ((await forwardCounters(server.url)).get(`percore_remote_write_lag_points ${prom.writeUrl}`) === 0 ? true : undefined), "caught up");
    expect(await server.stop("SIGTERM")).toBe(0);
    // As if the server died after the receivers stored the second half of the commits in one request
    // but before it saw the 2xx (each series has several samples in it, so it is not a mere repeat of the last).
    const db = await DuckDBInstance.create(store);
    const conn = await db.connect();
    await conn.run("UPDATE forward_cursors SET confirmed = inflight // 2");
    conn.closeSync();
    db.closeSync();
    server = await start(store, port);
    await until(async () => (/resending commits/.test(server.output()) ? true : undefined), "the resend announced");
    const c = await until(async () => {
      const m = await forwardCounters(server.url);
      return m.get(`percore_remote_write_lag_points ${prom.writeUrl}`) === 0 && m.get(`percore_remote_write_lag_points ${vm.writeUrl}`) === 0 ? m : undefined;
    }, "the resend confirmed");
    // Prometheus had all of it: it refused the resend whole as out of order, which means stored.
    expect(c.get(`percore_remote_write_resent_stored_total ${prom.writeUrl}`)).toBe(1);
    expect(c.get(`percore_remote_write_rejected_batches_total ${prom.writeUrl}`)).toBe(0);
    // VictoriaMetrics takes the resend (2xx); the same samples again change no value.
    expect(c.get(`percore_remote_write_sent_requests_total ${vm.writeUrl}`)).toBe(1);
    await bothEqual('sum(http_server_requests_total{route="/resend"})', total);
    const points = await scalar(server.url, "SELECT count(*) FROM metric_points WHERE metric = 'http.server.requests'");
    // No gaps and nothing twice (VictoriaMetrics runs with -dedup.minScrapeInterval=1ms).
    await bothEqual('sum(count_over_time(http_server_requests_total{route="/resend"}[1h]))', points);
  }, 120_000);

  it("points ingested over OTLP are forwarded too: the OpenTelemetry SDK's delta and cumulative totals arrive exactly", async () => {
    const server = await start(newStore("fwd-otlp"));
    const rounds = 5;
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      const service = `fwd-otlp-${temporality === AggregationTemporality.DELTA ? "delta" : "cumulative"}`;
      const exporter = new OTLPMetricExporter({ url: `${server.url}/v1/metrics`, temporalityPreference: temporality });
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({ resource: resourceFromAttributes({ "service.name": service }), readers: [reader] });
      const meter = provider.getMeter("fwd-otlp-test");
      const requests = meter.createCounter("app.requests", { description: "Requests" });
      const latency = meter.createHistogram("app.latency", { unit: "s", advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
      for (let r = 0; r < rounds; r++) {
        requests.add(3, { route: "/otlp" });
        for (const v of [0.005, 0.05, 0.5, 5]) latency.record(v, { route: "/otlp" });
        await reader.forceFlush();
      }
      await provider.shutdown();
      // The same names as the server's own /metrics and PromQL API, at both receivers.
      await bothEqual(`sum(app_requests_total{service_name="${service}"})`, 3 * rounds);
      await bothEqual(`sum(app_latency_seconds_count{service_name="${service}"})`, 4 * rounds);
      await bothEqual(`sum(app_latency_seconds_bucket{service_name="${service}",le="0.1"})`, 2 * rounds);
    }
  }, 120_000);
});
