// A real Prometheus (Debian's `prometheus` binary) scrapes the SDK's endpoint and the telemetry
// server's /metrics on 127.0.0.1 every second; its HTTP API must then answer the totals that
// were recorded; the server's own PromQL (over the delta batches) answers the same. Prometheus
// asks for OpenMetrics first, so this also proves that exposition
// parses in the real scraper.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusExporter } from "../../src/export/prometheus-exporter.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { freePort, startServerProcess, tempStore, type ServerProcess } from "../server/helpers/server-process.ts";
import { ROUTES, recordWorkload, type Totals } from "./helpers/record.ts";
import { PROMETHEUS } from "./helpers/tools.ts";

const ROOT = resolve(import.meta.dirname, "../..");
let server: ServerProcess;
let collector: Collector;
let prometheus: ChildProcess | undefined;
let promUrl = "";
let dataDir = "";
let totals: Totals;
let log = "";

beforeAll(async () => {
  if (!PROMETHEUS) throw new Error("prometheus is not installed: run .ci/install-prometheus.sh");
  server = await startServerProcess({ store: tempStore("prom-scrape") });
  const prom = new PrometheusExporter({ port: 0 });
  const ready = await prom.ready;
  if ("code" in ready) throw new Error(ready.message);
  collector = new Collector({ exporters: [prom, new ServerExporter({ url: server.url, transport: "http" })], resource: { "service.name": "scraped" } });
  totals = recordWorkload(2);
  await collector.flush();

  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  dataDir = mkdtempSync(join(ROOT, ".tmp", "prometheus-"));
  const config = join(dataDir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 900ms",
      "scrape_configs:",
      "  - job_name: sdk",
      `    static_configs: [{ targets: ["127.0.0.1:${ready.port}"] }]`,
      "  - job_name: server",
      `    static_configs: [{ targets: ["127.0.0.1:${server.port}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dataDir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  prometheus.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  prometheus.stderr!.on("data", (d: Buffer) => (log += d.toString()));
}, 60_000);

afterAll(async () => {
  if (prometheus?.pid && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once("exit", r));
    process.kill(prometheus.pid, "SIGKILL");
    await exited;
  }
  await collector?.shutdown();
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function instant(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[] | undefined> {
  try {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.status === "success" ? body.data!.result : undefined;
  } catch {
    return undefined; // not up yet
  }
}

/** Polls until every query answers its expected value; returns what was last seen. */
async function until(expected: Record<string, number>, deadlineMs = 40_000): Promise<Record<string, number | null>> {
  const end = Date.now() + deadlineMs;
  let seen: Record<string, number | null> = {};
  while (Date.now() < end) {
    seen = {};
    for (const q of Object.keys(expected)) {
      const r = await instant(q);
      seen[q] = r && r.length === 1 ? Number(r[0].value[1]) : null;
    }
    if (Object.keys(expected).every((q) => seen[q] !== null && Math.abs(seen[q]! - expected[q]) < 1e-9)) return seen;
    await new Promise((r) => setTimeout(r, 500));
  }
  return seen;
}

const promString = (s: string) => JSON.stringify(s); // PromQL double-quoted strings take Go escapes, a superset of JSON's

describe("a real Prometheus scraping both endpoints", () => {
  it("queries the recorded totals from the SDK endpoint and from the server", async () => {
    const odd = promString(ROUTES[1]);
    const r = totals.perRoute;
    const requests = r.reduce((a, x) => a + x.requestsGet + x.requestsPost, 0);
    const expected: Record<string, number> = {};
    for (const job of ["sdk", "server"]) {
      expected[`up{job="${job}"}`] = 1;
      expected[`sum(interop_api_requests_total{job="${job}"})`] = requests;
      expected[`sum(interop_api_requests_total{job="${job}",route=${odd},method="GET"})`] = r[1].requestsGet;
      expected[`sum(interop_api_duration_seconds_count{job="${job}"})`] = r[0].durationCount + r[1].durationCount;
      expected[`sum(interop_api_duration_seconds_bucket{job="${job}",le="+Inf"})`] = r[0].durationCount + r[1].durationCount;
      expected[`sum(interop_api_duration_seconds_sum{job="${job}",route="/plain"})`] = r[0].durationSum / 1000;
      expected[`sum(interop_api_queue_wait_seconds_count{job="${job}"})`] = r[0].waitCount + r[1].waitCount;
      expected[`sum(interop_api_bytes_in_bytes_total{job="${job}"})`] = r[0].bytes + r[1].bytes;
      expected[`sum(interop_api_in_flight{job="${job}"})`] = r[0].inFlight + r[1].inFlight;
      expected[`sum(interop_host_heap_bytes{job="${job}"})`] = totals.heap * 1024;
      expected[`sum(interop_host_uptime_seconds_total{job="${job}"})`] = totals.uptime;
    }
    expected[`count(target_info{job="sdk",service_name="scraped"})`] = 1;
    const seen = await until(expected);
    expect(seen, `prometheus log:\n${log}`).toEqual(expected);
  }, 60_000);

  it("the server's own PromQL answers the same totals from the delta batches, and the same histogram_quantile", async () => {
    const ask = async (url: string, q: string) => {
      const res = await fetch(`${url}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: q }),
      });
      const body = (await res.json()) as { status: string; error?: string; data: { result: { value: [number, string] }[] } };
      expect(body.status, `${q}: ${body.error}`).toBe("success");
      expect(body.data.result, q).toHaveLength(1);
      return Number(body.data.result[0].value[1]);
    };
    // Flushed deltas show from the next point of the 15 s presentation grid on, as a next scrape would.
    const first = 'sum(interop_api_requests_total{job="scraped"})';
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((res) => setTimeout(res, 250))) {
      const res = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(first)}`);
      if (((await res.json()) as { data?: { result: unknown[] } }).data?.result.length === 1) break;
    }
    const r = totals.perRoute;
    // Our series carry job = service.name ("scraped"); Prometheus's scrape of the SDK has job="sdk".
    const queries: [string, number][] = [
      ["sum(interop_api_requests_total{JOB})", r.reduce((a, x) => a + x.requestsGet + x.requestsPost, 0)],
      ["sum(interop_api_duration_seconds_count{JOB})", r[0].durationCount + r[1].durationCount],
      ['sum(interop_api_duration_seconds_sum{JOB,route="/plain"})', r[0].durationSum / 1000],
      ["sum(interop_api_in_flight{JOB})", r[0].inFlight + r[1].inFlight],
      ["sum(interop_host_uptime_seconds_total{JOB})", totals.uptime],
    ];
    for (const [q, want] of queries) expect(await ask(server.url, q.replace("JOB", 'job="scraped"')), q).toBeCloseTo(want, 9);
    const quantile = "histogram_quantile(0.9, sum by (le) (interop_api_duration_seconds_bucket{JOB}))";
    const theirs = await ask(promUrl, quantile.replace("JOB", 'job="sdk"'));
    expect(await ask(server.url, quantile.replace("JOB", 'job="scraped"'))).toBeCloseTo(theirs, 9);
  }, 60_000);
});
