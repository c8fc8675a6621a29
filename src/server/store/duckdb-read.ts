// Reads from the DuckDB store: the cumulative state behind /metrics, and the per-step aggregation
// behind /api/v1/series (user SQL is duckdb-query.ts).
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CumulativeRow, SeriesQuery, SeriesRow } from "./store.ts";
import { timestampMs } from "./duckdb-append.ts";

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

const BUCKET_SUMS = (where: string, group: string) => `
  SELECT ${group}, list(s ORDER BY idx) AS buckets FROM (
    SELECT ${group}, idx, sum(b) AS s FROM (
      SELECT ${group.replace(/(\w+)/g, "p.$1")}, unnest(p.buckets) AS b, generate_subscripts(p.buckets, 1) AS idx
      FROM distribution_points p ${where}
    ) GROUP BY ALL
  ) GROUP BY ALL`;

/**
 * Every (stream, series, slot, field)'s cumulative value; with `upToCommit`, as it stood after that
 * commit (each stream's points up to the end of its last batch stored by then).
 */
export async function cumulativeRows(conn: DuckDBConnection, upToCommit?: number): Promise<CumulativeRow[]> {
  const bounded = upToCommit !== undefined;
  const upTo = bounded
    ? `JOIN (SELECT stream_id, max(end_time) AS hi FROM batches WHERE commit_no IS NULL OR commit_no <= ${Math.trunc(upToCommit)} GROUP BY stream_id) h
       ON h.stream_id = p.stream_id AND p.time <= h.hi`
    : "";
  const r = await conn.runAndReadAll(`
    SELECT p.stream_id, p.series, p.slot, p.field,
      CASE WHEN any_value(f.instrument) IN ('gauge', 'upDownCounter') THEN arg_max(p.value, p.time) ELSE sum(p.value) END,
      coalesce(sum(p.count), 0), epoch_ms(max(p.time))
    FROM all_points p ${upTo}
    JOIN instances i ON i.stream_id = p.stream_id AND i.series = p.series
    JOIN fields f ON f.stream_id = p.stream_id AND f.set_index = i.set_index AND f.field = p.field
    GROUP BY p.stream_id, p.series, p.slot, p.field`);
  const buckets = new Map<string, number[]>();
  const b = await conn.runAndReadAll(BUCKET_SUMS(`${upTo} WHERE p.buckets IS NOT NULL`, "stream_id, series, slot, field"));
  for (const [s, se, sl, f, list] of b.getRowsJson() as unknown[][]) buckets.set(`${s}:${se}:${sl}:${f}`, (list as unknown[]).map(num));
  return (r.getRowsJson() as unknown[][]).map(([s, se, sl, f, value, count, time]) => ({
    stream: num(s),
    series: num(se),
    slot: num(sl),
    field: num(f),
    value: num(value),
    count: num(count),
    buckets: buckets.get(`${s}:${se}:${sl}:${f}`) ?? null,
    time: num(time),
  }));
}

export async function seriesRows(conn: DuckDBConnection, q: SeriesQuery): Promise<SeriesRow[]> {
  const params = { metric: q.metric, from: timestampMs(q.from), to: timestampMs(q.to), step: q.stepMs };
  const base = `
    FROM all_points p
    JOIN instances i ON i.stream_id = p.stream_id AND i.series = p.series
    JOIN fields f ON f.stream_id = p.stream_id AND f.set_index = i.set_index AND f.field = p.field
    WHERE f.name = $metric AND p.time > $from AND p.time <= $to`;
  const bucket = "(epoch_ms(p.time) // $step) * $step";
  const r = await conn.runAndReadAll(
    `
    SELECT ${bucket} AS bucket, p.stream_id, p.series, p.slot, i.set_index, any_value(f.instrument),
      sum(p.value), arg_max(p.value, p.time), avg(p.value), coalesce(sum(p.count), 0)
    ${base} GROUP BY ALL ORDER BY 1`,
    params,
  );
  const rows = r.getRowsJson() as unknown[][];
  const buckets = new Map<string, number[]>();
  if (rows.some((x) => x[5] === "histogram")) {
    const b = await conn.runAndReadAll(
      `
      SELECT bucket, stream_id, series, slot, list(s ORDER BY idx) FROM (
        SELECT bucket, stream_id, series, slot, idx, sum(b) AS s FROM (
          SELECT ${bucket} AS bucket, p.stream_id, p.series, p.slot, unnest(p.buckets) AS b, generate_subscripts(p.buckets, 1) AS idx
          ${base} AND p.buckets IS NOT NULL
        ) GROUP BY ALL
      ) GROUP BY ALL`,
      params,
    );
    for (const [t, s, se, sl, list] of b.getRowsJson() as unknown[][]) buckets.set(`${t}:${s}:${se}:${sl}`, (list as unknown[]).map(num));
  }
  return rows.map(([t, s, se, sl, set, instrument, sum, last, avg, count]) => ({
    bucket: num(t),
    stream: num(s),
    series: num(se),
    slot: num(sl),
    set: num(set),
    instrument: String(instrument),
    sum: num(sum),
    last: num(last),
    avg: num(avg),
    count: num(count),
    buckets: buckets.get(`${t}:${s}:${se}:${sl}`) ?? null,
  }));
}
