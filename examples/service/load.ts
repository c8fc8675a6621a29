// Drives the example service with a fixed request mix for a bounded time, then waits until the
// telemetry server has stored as many requests as were answered and prints what it stored.
//
//   npm run example:load -- [--target http://127.0.0.1:3000] [--server http://127.0.0.1:4318] [--duration 10] [--connections 8]
import { parseArgs } from "node:util";
import { formatTable, query, scalar, show } from "../lib/server-query.ts";

export interface LoadOptions {
  readonly target: string;
  readonly durationMs: number;
  readonly connections: number;
  /** Upper bound on requests, whatever the duration (default 1,000,000). */
  readonly maxRequests?: number;
}

export interface LoadResult {
  readonly startedAt: number;
  readonly ms: number;
  readonly answered: number;
  readonly failed: number;
  readonly byStatus: Readonly<Record<number, number>>;
}

/** Request i of the mix: mostly item reads, some hashing POSTs, a few slow reports, bad ids and 404s. */
function request(target: string, i: number): [string, RequestInit] {
  const k = i % 20;
  if (k < 11) return [`${target}/api/items/${1 + ((i * 7919) % 1000)}`, {}];
  if (k === 11) return [`${target}/api/items/not-a-number`, {}];
  if (k < 17) return [`${target}/api/hash`, { method: "POST", body: "x".repeat(100 + ((i * 31) % 1900)) }];
  if (k < 19) return [`${target}/api/report`, {}];
  return [`${target}/no/such/page`, {}];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const startedAt = Date.now();
  const deadline = performance.now() + o.durationMs;
  const max = o.maxRequests ?? 1_000_000;
  const byStatus: Record<number, number> = {};
  let next = 0;
  let answered = 0;
  let failed = 0;
  // `connections` loops, each one request at a time: a closed loop, so load adapts to the service.
  const loop = async () => {
    while (performance.now() < deadline && next < max) {
      const [url, init] = request(o.target, next++);
      try {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        answered++;
      } catch {
        failed++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.connections }, loop));
  return { startedAt, ms: performance.now() - t0, answered, failed, byStatus };
}

/** p99 of a histogram per group: add the bucket counts up, find the bucket holding the 99th percentile, interpolate inside it. */
export function p99Sql(where: string, group: string): string {
  return `
    WITH per_bucket AS (
      SELECT grp, i, sum(n) AS n, any_value(bounds) AS bounds FROM (
        SELECT ${group} AS grp, bounds, unnest(buckets) AS n, generate_subscripts(buckets, 1) AS i
        FROM metric_points WHERE ${where})
      GROUP BY grp, i),
    cumulative AS (
      SELECT *, sum(n) OVER (PARTITION BY grp ORDER BY i) AS upto, sum(n) OVER (PARTITION BY grp) AS total FROM per_bucket)
    SELECT grp AS "group", total::BIGINT AS count, round(arg_min(
      CASE WHEN i > len(bounds) THEN bounds[len(bounds)]
        ELSE coalesce(bounds[i - 1], 0) + (bounds[i] - coalesce(bounds[i - 1], 0)) * (0.99 * total - (upto - n)) / n END, i), 3) AS p99
    FROM cumulative WHERE n > 0 AND upto >= 0.99 * total GROUP BY grp, total ORDER BY grp`;
}

const REQUESTS = "metric = 'http.server.requests' AND (resource->>'service.name') = 'percore-example-service'";

/** Polls until the server holds `expected` requests since `since` (the service flushes every cadence), at most `timeoutMs`. */
export async function waitStored(server: string, since: number, expected: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await scalar(server, `SELECT coalesce(sum(value), 0) FROM metric_points WHERE ${REQUESTS} AND time >= epoch_ms(${since})`);
    if (stored >= expected || Date.now() > deadline) return stored;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A few questions answered by the server's SQL (the same statements work with `telemetry-server query`). */
export async function printStored(server: string, since: number): Promise<void> {
  const window = `time >= epoch_ms(${since})`;
  await show(
    server,
    "requests and request bytes per route and status",
    `
    SELECT attributes->>'route' AS route, measure_attributes->>'status' AS status,
      sum(value) FILTER (WHERE metric = 'http.server.requests')::BIGINT AS requests,
      coalesce(sum(value) FILTER (WHERE metric = 'http.server.payload_size'), 0)::BIGINT AS body_bytes
    FROM metric_points WHERE metric IN ('http.server.requests', 'http.server.payload_size') AND ${window}
    GROUP BY ALL ORDER BY route, status`,
  );
  await show(
    server,
    "requests per worker thread (one piscina worker per core)",
    `
    SELECT attributes->>'worker_id' AS worker, sum(value)::BIGINT AS requests
    FROM metric_points WHERE ${REQUESTS} AND ${window} GROUP BY ALL ORDER BY worker`,
  );
  await show(
    server,
    "handling time and queue wait per route (ms)",
    `
    SELECT attributes->>'route' AS route, metric,
      sum(count)::BIGINT AS n, round(sum(value) / sum(count), 3) AS mean, round(max(max), 3) AS max
    FROM metric_points WHERE metric IN ('http.server.duration', 'http.server.queue_wait') AND ${window}
    GROUP BY ALL ORDER BY ALL`,
  );
  await show(
    server,
    "p99 handling time per route (histogram buckets, interpolated like histogram_quantile)",
    p99Sql(`${window} AND metric = 'http.server.duration'`, "attributes->>'route'"),
  );
  await show(
    server,
    "the piscina pool's own health",
    `
    SELECT metric, instrument,
      round(CASE WHEN instrument = 'counter' THEN sum(value) ELSE arg_max(value, time) END, 3) AS "total (counter) or last (gauge)",
      round(max(value), 3) AS max_per_interval
    FROM metric_points WHERE set_name = 'piscina.pool' AND ${window} GROUP BY metric, instrument ORDER BY metric`,
  );
  const streams = await query(server, "SELECT key, resource->>'service.name' AS service, last_seq, stored FROM streams ORDER BY id");
  console.log(`\n# streams (one per collector run; last_seq = batches acknowledged)\n${formatTable(streams)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: "string", default: "http://127.0.0.1:3000" },
      server: { type: "string", default: process.env.TELEMETRY_URL ?? "http://127.0.0.1:4318" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "8" },
    },
  });
  const r = await runLoad({ target: values.target, durationMs: Number(values.duration) * 1000, connections: Number(values.connections) });
  console.log(
    `${r.answered} requests answered in ${(r.ms / 1000).toFixed(1)} s (${((r.answered / r.ms) * 1000).toFixed(0)} req/s), ${r.failed} failed; by status ${JSON.stringify(r.byStatus)}`,
  );
  const stored = await waitStored(values.server, r.startedAt, r.answered);
  console.log(`the telemetry server stored ${stored} of ${r.answered} requests`);
  await printStored(values.server, r.startedAt);
}

if (import.meta.filename === process.argv[1]) await main();
