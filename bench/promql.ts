// PromQL and remote write beside the real Prometheus 2.42, on the same samples in the same run:
// 1,000 counter series (50 routes x 20 instances) at a 1 s cadence for 1 hour (3.6M samples) are
// remote-written to both (samples/s), then `sum by (route) (rate(http_server_requests_total[1m]))`
// is asked over the hour at a 15 s step (ms per query, median of the runs after one untimed run).
// Run: npm run bench -- promql   (needs Debian's prometheus; --quick: 100 series, 10 minutes)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snappyCompress } from "../src/server/remote-write/remote-write-proto.ts";
import { startServer } from "../src/server/server.ts";
import { startPrometheus } from "../test/promql/helpers/prometheus.ts";
import { counterRequest } from "./fixtures/request-counters.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

const QUERY = "sum by (route) (rate(http_server_requests_total[1m]))";

/** Requests of `secondsPerRequest` seconds of every series, in time order (what Prometheus's head needs). */
function requests(base: number, routes: number, instances: number, seconds: number, secondsPerRequest: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let from = 0; from < seconds; from += secondsPerRequest)
    out.push(snappyCompress(counterRequest(base, routes, instances, from, Math.min(seconds, from + secondsPerRequest))));
  return out;
}

async function ingest(url: string, bodies: Uint8Array[]): Promise<number> {
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${url}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
      body: body as Uint8Array<ArrayBuffer>,
    });
    if (res.status !== 204) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  }
  return performance.now() - started;
}

async function timeQuery(url: string, start: number, end: number, runs: number): Promise<{ ms: number; series: number }> {
  const times: number[] = [];
  let series = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/query_range`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: QUERY, start: String(start / 1000), end: String(end / 1000), step: "15" }),
    });
    const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    times.push(performance.now() - t);
    if (body.status !== "success") throw new Error(`${url}: ${body.error}`);
    series = body.data!.result.length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], series };
}

export default async function run(ctx: SuiteContext): Promise<void> {
  const routes = ctx.quick ? 10 : 50,
    instances = 10 * (ctx.quick ? 1 : 2),
    seconds = ctx.quick ? 600 : 3600;
  const samples = routes * instances * seconds;
  const base = Math.floor((Date.now() - seconds * 1000 - 60_000) / 60_000) * 60_000;
  const bodies = requests(base, routes, instances, seconds, 60);
  const dir = mkdtempSync(join(tmpdir(), "bench-promql-"));
  const ours = await startServer({ store: join(dir, "bench.duckdb"), port: 0, log: () => undefined });
  const prom = await startPrometheus();
  try {
    const oursIngestMs = await ingest(ours.url, bodies);
    const promIngestMs = await ingest(prom.url, bodies);
    const runs = ctx.quick ? 1 : 5;
    const end = base + seconds * 1000;
    // One untimed query each first: our server starts its PromQL worker threads on the first query.
    await timeQuery(ours.url, base, end, 1);
    await timeQuery(prom.url, base, end, 1);
    const oursQuery = await timeQuery(ours.url, base, end, runs);
    const promQuery = await timeQuery(prom.url, base, end, runs);
    console.log(`\n## PromQL: ${routes * instances} series at 1 s for ${seconds / 60} min (${samples.toLocaleString("en")} samples), ${runs} query runs\n`);
    console.log("| | percore server | Prometheus 2.42 | x Prometheus |");
    console.log("|---|---:|---:|---:|");
    console.log(
      `| remote-write ingest, samples/s | ${Math.round(samples / (oursIngestMs / 1000)).toLocaleString("en")} | ${Math.round(samples / (promIngestMs / 1000)).toLocaleString("en")} | ${(promIngestMs / oursIngestMs).toFixed(2)} |`,
    );
    console.log(
      `| query_range \`${QUERY}\`, 1 h at 15 s, ms (median) | ${oursQuery.ms.toFixed(0)} | ${promQuery.ms.toFixed(0)} | ${(oursQuery.ms / promQuery.ms).toFixed(2)} |`,
    );
    if (oursQuery.series !== promQuery.series) throw new Error(`series differ: ${oursQuery.series} vs ${promQuery.series}`);
    writeResult("promql", ctx, { series: routes * instances, seconds, samples, oursIngestMs, promIngestMs, oursQueryMs: oursQuery.ms, promQueryMs: promQuery.ms });
  } finally {
    await prom.stop();
    await ours.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
