// Reads from the DuckDB store: user SQL (read-only, enforced three ways), the cumulative state
// behind /metrics, and the per-step aggregation behind /api/v1/series.
import { StatementType, type DuckDBConnection } from "@duckdb/node-api";
import { serverError } from "../errors.ts";
import { StoreError, type CumulativeRow, type QueryResult, type SeriesQuery, type SeriesRow } from "./store.ts";
import { timestampMs } from "./duckdb-append.ts";

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

/**
 * Read-only for real: (1) exactly one statement, and its prepared type must be SELECT (DuckDB
 * parses and binds it, so `WITH ... DELETE` or `EXPLAIN ANALYZE DROP` cannot pass as a select);
 * (2) the instance runs with enable_external_access=false and a locked configuration, so a
 * SELECT cannot read files (read_csv, read_text, read_parquet), ATTACH, or COPY; (3) it runs on
 * its own connection, interrupted after `timeoutMs`.
 */
export async function readOnlyQuery(conn: DuckDBConnection, sql: string, maxRows: number, timeoutMs: number): Promise<QueryResult> {
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (e) {
    throw new StoreError(serverError("E_BAD_QUERY", (e as Error).message));
  }
  if (extracted.count !== 1) throw new StoreError(serverError("E_BAD_QUERY", `expected exactly one statement, got ${extracted.count}`));
  let prepared;
  try {
    prepared = await extracted.prepare(0);
  } catch (e) {
    const message = (e as Error).message;
    // Preparing already refuses file access ("disabled by configuration").
    throw new StoreError(serverError(/Permission Error|disabled by configuration/i.test(message) ? "E_READ_ONLY" : "E_BAD_QUERY", message));
  }
  try {
    if (prepared.statementType !== StatementType.SELECT) {
      throw new StoreError(serverError("E_READ_ONLY", `only SELECT statements are allowed here, got ${StatementType[prepared.statementType] ?? prepared.statementType}`));
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, timeoutMs);
    try {
      const reader = await prepared.runAndReadUntil(maxRows + 1);
      const names = reader.columnNames();
      const types = reader.columnTypes().map((t) => t.toString());
      const rows = reader.getRowsJson() as unknown[][];
      // 64-bit integers come back as strings; most (counts, sums) fit in a double exactly.
      const wide = types.map((t) => /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(t));
      if (wide.some(Boolean)) {
        for (const row of rows) {
          for (let c = 0; c < row.length; c++) {
            if (wide[c] && typeof row[c] === "string" && Number.isSafeInteger(Number(row[c]))) row[c] = Number(row[c]);
          }
        }
      }
      const truncated = rows.length > maxRows;
      if (truncated) rows.length = maxRows;
      return { columns: names.map((name, i) => ({ name, type: types[i] })), rows, truncated };
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const message = (e as Error).message;
      if (timedOut) throw new StoreError(serverError("E_QUERY_TIMEOUT", `query interrupted after ${timeoutMs} ms`));
      throw new StoreError(serverError(/Permission Error|disabled by configuration/i.test(message) ? "E_READ_ONLY" : "E_BAD_QUERY", message));
    } finally {
      clearTimeout(timer);
    }
  } finally {
    prepared.destroySync();
  }
}

const BUCKET_SUMS = (where: string, group: string) => `
  SELECT ${group}, list(s ORDER BY idx) AS buckets FROM (
    SELECT ${group}, idx, sum(b) AS s FROM (
      SELECT ${group}, unnest(p.buckets) AS b, generate_subscripts(p.buckets, 1) AS idx
      FROM distribution_points p ${where}
    ) GROUP BY ALL
  ) GROUP BY ALL`;

export async function cumulativeRows(conn: DuckDBConnection): Promise<CumulativeRow[]> {
  const r = await conn.runAndReadAll(`
    SELECT p.stream_id, p.series, p.slot, p.field,
      CASE WHEN any_value(f.instrument) IN ('gauge', 'upDownCounter') THEN arg_max(p.value, p.time) ELSE sum(p.value) END,
      coalesce(sum(p.count), 0), epoch_ms(max(p.time))
    FROM all_points p
    JOIN instances i ON i.stream_id = p.stream_id AND i.series = p.series
    JOIN fields f ON f.stream_id = p.stream_id AND f.set_index = i.set_index AND f.field = p.field
    GROUP BY p.stream_id, p.series, p.slot, p.field`);
  const buckets = new Map<string, number[]>();
  const b = await conn.runAndReadAll(BUCKET_SUMS("WHERE p.buckets IS NOT NULL", "stream_id, series, slot, field"));
  for (const [s, se, sl, f, list] of b.getRowsJson() as unknown[][]) buckets.set(`${s}:${se}:${sl}:${f}`, (list as unknown[]).map(num));
  return (r.getRowsJson() as unknown[][]).map(([s, se, sl, f, value, count, time]) => ({
    stream: num(s), series: num(se), slot: num(sl), field: num(f), value: num(value), count: num(count),
    buckets: buckets.get(`${s}:${se}:${sl}:${f}`) ?? null, time: num(time),
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
  const r = await conn.runAndReadAll(`
    SELECT ${bucket} AS bucket, p.stream_id, p.series, p.slot, i.set_index, any_value(f.instrument),
      sum(p.value), arg_max(p.value, p.time), avg(p.value), coalesce(sum(p.count), 0)
    ${base} GROUP BY ALL ORDER BY 1`, params);
  const rows = r.getRowsJson() as unknown[][];
  const buckets = new Map<string, number[]>();
  if (rows.some((x) => x[5] === "histogram")) {
    const b = await conn.runAndReadAll(`
      SELECT bucket, stream_id, series, slot, list(s ORDER BY idx) FROM (
        SELECT bucket, stream_id, series, slot, idx, sum(b) AS s FROM (
          SELECT ${bucket} AS bucket, p.stream_id, p.series, p.slot, unnest(p.buckets) AS b, generate_subscripts(p.buckets, 1) AS idx
          ${base} AND p.buckets IS NOT NULL
        ) GROUP BY ALL
      ) GROUP BY ALL`, params);
    for (const [t, s, se, sl, list] of b.getRowsJson() as unknown[][]) buckets.set(`${t}:${s}:${se}:${sl}`, (list as unknown[]).map(num));
  }
  return rows.map(([t, s, se, sl, set, instrument, sum, last, avg, count]) => ({
    bucket: num(t), stream: num(s), series: num(se), slot: num(sl), set: num(set), instrument: String(instrument),
    sum: num(sum), last: num(last), avg: num(avg), count: num(count), buckets: buckets.get(`${t}:${s}:${se}:${sl}`) ?? null,
  }));
}
