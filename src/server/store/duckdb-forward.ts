// Remote-write forwarding's reads and cursor writes in DuckDB. The forwarder walks the store commit
// by commit (batches.commit_no): a span of commits (after, to] is a fixed set of batches once they
// are committed, and each batch's points are the rows of its stream with times in
// (previous batch's end, this batch's end] — the SDK stamps a batch's points with its end, and a
// stream's ends grow with its sequence. So the same span always reads the same rows, which is what
// makes a resend after a crash identical to the request it repeats.
import type { DuckDBConnection } from "@duckdb/node-api";
import { PointRows } from "../ingest/point-rows.ts";
import { cumulativeRows } from "./duckdb-read.ts";
import { readDoubleColumns, readRows } from "./duckdb-samples.ts";
import type { CumulativeRow, ForwardCursor, ForwardSpan } from "./store.ts";

/** Internal reads are not user queries: a generous bound, only against a wedged connection. */
const READ_TIMEOUT_MS = 10 * 60_000;

export async function lastCommitNo(conn: DuckDBConnection): Promise<number> {
  const rows = await readRows(conn, "SELECT coalesce(max(commit_no), 0) FROM batches", {}, READ_TIMEOUT_MS);
  return Number(rows[0]?.[0] ?? 0);
}

/** The destination's cursor; a destination seen for the first time starts at `start` (what is stored from now on). */
export async function readCursor(conn: DuckDBConnection, destination: string, start: number): Promise<ForwardCursor> {
  const rows = await readRows(conn, "SELECT confirmed, inflight FROM forward_cursors WHERE destination = $d", { d: destination }, READ_TIMEOUT_MS);
  const row = rows[0];
  if (row) return { confirmed: Number(row[0]), inflight: Number(row[1]) };
  const cursor = { confirmed: start, inflight: start };
  await writeCursor(conn, destination, cursor);
  return cursor;
}

export async function writeCursor(conn: DuckDBConnection, destination: string, c: ForwardCursor): Promise<void> {
  await conn.run("INSERT OR REPLACE INTO forward_cursors VALUES ($1, $2, $3, now())", [destination, c.confirmed, c.inflight]);
}

/**
 * The next span in (after, upTo]: whole commits, as many as fit in `maxPoints` (at least one), and
 * what is pending there in all (points, and when the oldest of it was stored).
 */
export async function nextSpan(conn: DuckDBConnection, after: number, upTo: number, maxPoints: number): Promise<ForwardSpan> {
  const rows = await readRows(
    conn,
    `SELECT commit_no, sum(points), epoch_ms(min(stored_at)) FROM batches WHERE commit_no > $after AND commit_no <= $upTo GROUP BY commit_no ORDER BY commit_no`,
    { after, upTo },
    READ_TIMEOUT_MS,
  );
  let to = after,
    points = 0,
    pending = 0,
    oldest = NaN,
    taking = true;
  for (const [no, n, storedAt] of rows) {
    const count = Number(n);
    if (Number.isNaN(oldest)) oldest = Number(storedAt);
    pending += count;
    // A contiguous run of commits from the first one: the span never skips a commit.
    if (taking && (to === after || points + count <= maxPoints)) {
      to = Number(no);
      points += count;
    } else taking = false;
  }
  return { to, points, pendingPoints: pending, oldestPendingAt: oldest };
}

/** Per stream in the span: the end of its last batch before the span (lo) and in it (hi), ms. */
async function streamBounds(conn: DuckDBConnection, after: number, to: number): Promise<{ stream: number; lo: number; hi: number }[]> {
  const rows = await readRows(
    conn,
    `WITH hi AS (SELECT stream_id, max(end_time) AS hi FROM batches WHERE commit_no > $after AND commit_no <= $to GROUP BY stream_id)
     SELECT hi.stream_id, epoch_ms((SELECT max(b.end_time) FROM batches b WHERE b.stream_id = hi.stream_id AND (b.commit_no IS NULL OR b.commit_no <= $after))), epoch_ms(hi.hi)
     FROM hi ORDER BY hi.stream_id`,
    { after, to },
    READ_TIMEOUT_MS,
  );
  return rows.map(([s, lo, hi]) => ({ stream: Number(s), lo: lo === null ? -Infinity : Number(lo), hi: Number(hi) }));
}

const bucketKey = (t: number, stream: number, series: number, slot: number, field: number) => `${t}:${stream}:${series}:${slot}:${field}`;

/** The points the commits (after, to] stored, ordered by time, stream, series, slot, field. */
export async function spanPoints(conn: DuckDBConnection, after: number, to: number): Promise<PointRows> {
  const out = new PointRows();
  const bounds = await streamBounds(conn, after, to);
  if (bounds.length === 0) return out;
  // Constant outer bounds let DuckDB skip row groups by their min/max time; the join keeps each stream's own range.
  const lo = Math.min(...bounds.map((b) => b.lo)),
    hi = Math.max(...bounds.map((b) => b.hi));
  const values = bounds.map((b) => `(${b.stream | 0}, ${Number.isFinite(b.lo) ? b.lo : -1e15}::DOUBLE, ${b.hi}::DOUBLE)`).join(", ");
  const range = `FROM %T p JOIN (VALUES ${values}) r(stream_id, lo, hi) ON r.stream_id = p.stream_id
    WHERE p.time > make_timestamp(($lo * 1000)::BIGINT) AND p.time <= make_timestamp(($hi * 1000)::BIGINT)
      AND epoch_ms(p.time) > r.lo AND epoch_ms(p.time) <= r.hi`;
  const params = { lo: Number.isFinite(lo) ? lo : -1e12, hi };
  const cols = await readDoubleColumns(
    conn,
    `SELECT epoch_ms(p.time)::DOUBLE, p.stream_id::DOUBLE, p.series::DOUBLE, p.slot::DOUBLE, p.field::DOUBLE, p.value, p.count, p.min, p.max
     ${range.replace("%T", "all_points")} ORDER BY 1, 2, 3, 4, 5`,
    params,
    READ_TIMEOUT_MS,
  );
  const [time, stream, series, slot, field, value, count, min, max] = cols;
  const buckets = new Map<string, number[]>();
  let distribution = false;
  for (let i = 0; i < count.length && !distribution; i++) distribution = !Number.isNaN(count[i]);
  if (distribution) {
    const rows = await readRows(
      conn,
      `SELECT epoch_ms(p.time), p.stream_id, p.series, p.slot, p.field, p.buckets ${range.replace("%T", "distribution_points")} AND p.buckets IS NOT NULL`,
      params,
      READ_TIMEOUT_MS,
    );
    for (const [t, s, se, sl, f, b] of rows) buckets.set(bucketKey(Number(t), Number(s), Number(se), Number(sl), Number(f)), (b as unknown[]).map(Number));
  }
  // The columns become the rows as they are (no copy per row): ids convert to Int32Array natively.
  out.length = time.length;
  out.time = time;
  out.stream = new Int32Array(stream);
  out.series = new Int32Array(series);
  out.slot = new Int32Array(slot);
  out.field = new Int32Array(field);
  out.value = value;
  out.count = count;
  out.min = min;
  out.max = max;
  if (distribution)
    for (let i = 0; i < time.length; i++) {
      if (Number.isNaN(count[i])) continue;
      const b = buckets.get(bucketKey(time[i], stream[i], series[i], slot[i], field[i]));
      if (b) out.setBuckets(i, b);
    }
  return out;
}

/** The cumulative state as of commit `upTo` (what a destination's cursor stands on after a restart). */
export async function cumulativeAt(conn: DuckDBConnection, upTo: number): Promise<CumulativeRow[]> {
  return cumulativeRows(conn, upTo);
}
