// Selectors pushed down to SQL: label matchers become a WHERE on `prom_series`, the time range a
// WHERE on `prom_samples`; the statements run through store-reads.ts.
import type { Matcher } from "./ast.ts";
import type { Labels } from "./labels.ts";
import type { HeadSamples } from "./sample-head.ts";
import { PromqlError } from "./errors.ts";
import { selectNative } from "./native-select.ts";
import { checkDeadline, runEvaluatorColumns, runEvaluatorSql, type QueryBudget, type RawSeries } from "./store-reads.ts";

/** WHERE clause over prom_series for the matchers; absent labels compare as "" like Prometheus. */
export function matcherSql(matchers: readonly Matcher[], params: Record<string, string | number>, prefix = ""): string {
  const conds = matchers.map((m, i) => {
    const p = `${prefix}p${i}`,
      v = `${prefix}v${i}`;
    const col = m.name === "__name__" ? "metric" : `coalesce(json_extract_string(labels, $${p}), '')`;
    if (m.name !== "__name__") params[p] = `$."${m.name}"`;
    params[v] = m.value;
    switch (m.op) {
      case "=":
        return `${col} = $${v}`;
      case "!=":
        return `${col} <> $${v}`;
      case "=~":
        return `regexp_full_match(${col}, $${v})`;
      case "!~":
        return `NOT regexp_full_match(${col}, $${v})`;
    }
  });
  return conds.length ? conds.join(" AND ") : "TRUE";
}

/** Samples of every series the matchers select with `mint <= t <= maxt` (ms). */
export async function selectSamples(b: QueryBudget, matchers: readonly Matcher[], mint: number, maxt: number): Promise<RawSeries[]> {
  const [pushed, native] = await Promise.all([selectPushed(b, matchers, mint, maxt), b.native ? selectNative(b, b.native, matchers, mint, maxt) : []]);
  if (b.loaded > b.maxSamples) throw tooManySamples(b);
  return native.length === 0 ? pushed : [...pushed, ...native];
}

const tooManySamples = (b: QueryBudget) =>
  new PromqlError("execution", `query processing would load too many samples into memory in query execution (more than ${b.maxSamples}; see --promql-max-samples)`);

async function selectPushed(b: QueryBudget, matchers: readonly Matcher[], mint: number, maxt: number): Promise<RawSeries[]> {
  const params: Record<string, string | number> = {};
  const where = matcherSql(matchers, params);
  const series = await runEvaluatorSql(b, `SELECT id, labels FROM prom_series WHERE ${where}`, params);
  if (series.length === 0) return [];
  const ids = series.map(([id]) => Number(id));
  const byId = new Map(series.map(([id, l]) => [Number(id), JSON.parse(String(l)) as Labels]));
  // Insertion order (DuckDB keeps it without ORDER BY) is time order for well-behaved senders;
  // a series that arrived out of order is sorted below, stably, so the sample written last wins.
  const inRange = `series IN (${ids.join(",")}) AND time >= make_timestamp($mint * 1000) AND time <= make_timestamp($maxt * 1000)`;
  const range = { mint: Math.floor(mint), maxt: Math.floor(maxt) };
  const maxId = ids.reduce((m, id) => Math.max(m, id), 0);
  const recent = b.head ? await b.head(ids, range.mint, range.maxt) : undefined;
  if (recent) {
    b.loaded += recent.n;
    if (b.loaded > b.maxSamples) throw tooManySamples(b);
    return fromHead(byId, recent);
  }
  const rows = await (maxId < PACKED_SERIES && range.maxt - range.mint < PACKED_SPAN ? packedRows(b, inRange, range) : readPlain(b, inRange, range));
  b.loaded += rows.n;
  if (b.loaded > b.maxSamples) throw tooManySamples(b);
  checkDeadline(b);
  return splitBySeries(byId, rows);
}

/** The rows read: how many, each one's series id, and its sample. */
interface Rows {
  readonly n: number;
  readonly seriesOf: (row: number) => number;
  readonly read: (row: number, out: { t: number; v: number; stale: number }) => void;
}

type TimeRange = { mint: number; maxt: number };

async function packedRows(b: QueryBudget, where: string, range: TimeRange): Promise<Rows> {
  // Every column read costs about as much as DuckDB's whole scan: series, time and the stale
  // flag travel as one exact integer in a double, (series * 2^32 + ms since mint) * 2 + stale.
  const [key, value] = await runEvaluatorColumns(
    b,
    `SELECT ((series * ${PACKED_SPAN} + (epoch_ms(time) - $mint)) * 2 + (value IS NULL)::BIGINT)::DOUBLE, value FROM prom_samples WHERE ${where}`,
    range,
  );
  return {
    n: key.length,
    seriesOf: (r) => Math.floor(key[r] / (2 * PACKED_SPAN)),
    read: (r, out) => {
      const k = key[r],
        half = Math.floor(k / 2);
      out.t = range.mint + (half % PACKED_SPAN);
      out.v = value[r];
      out.stale = k - half * 2;
    },
  };
}

async function readPlain(b: QueryBudget, where: string, range: TimeRange): Promise<Rows> {
  const [sid, time, value, isNull] = await runEvaluatorColumns(
    b,
    `SELECT series::DOUBLE, epoch_ms(time)::DOUBLE, value, (value IS NULL)::DOUBLE FROM prom_samples WHERE ${where}`,
    range,
  );
  return {
    n: sid.length,
    seriesOf: (r) => sid[r],
    read: (r, out) => {
      out.t = time[r];
      out.v = value[r];
      out.stale = isNull[r];
    },
  };
}

/** Series ids and time spans (ms) that fit the packed key exactly (2^20 * 2^32 * 2 = 2^53). */
const PACKED_SERIES = 2 ** 20,
  PACKED_SPAN = 2 ** 32;

/**
 * Rows of many series (in the order read) into one series each, as views of three arrays filled
 * by a counting sort: no per-sample objects, two passes over the rows.
 */
function splitBySeries(labelsOf: Map<number, Labels>, { n, seriesOf, read }: Rows): RawSeries[] {
  const dense = new Map<number, number>();
  const ids: number[] = [];
  let counts: Int32Array = new Int32Array(16);
  const slot = new Int32Array(n);
  // Rows come in runs of one series (a remote-write request holds a run per series).
  let lastId = NaN,
    last = -1;
  for (let r = 0; r < n; r++) {
    const id = seriesOf(r);
    if (id !== lastId) {
      lastId = id;
      let d = dense.get(id);
      if (d === undefined) {
        dense.set(id, (d = ids.length));
        ids.push(id);
        if (d === counts.length) counts = grow(counts);
      }
      last = d;
    }
    slot[r] = last;
    counts[last]++;
  }
  const starts = new Int32Array(ids.length + 1);
  for (let d = 0; d < ids.length; d++) starts[d + 1] = starts[d] + counts[d];
  const cursor = starts.slice(0, ids.length);
  const t = new Float64Array(n),
    v = new Float64Array(n),
    stale = new Uint8Array(n);
  const row = { t: 0, v: 0, stale: 0 };
  for (let r = 0; r < n; r++) {
    const at = cursor[slot[r]]++;
    read(r, row);
    t[at] = row.t;
    v[at] = row.v;
    stale[at] = row.stale;
  }
  const out: RawSeries[] = [];
  for (let d = 0; d < ids.length; d++) {
    const from = starts[d],
      to = starts[d + 1];
    const len = inTimeOrder(t, v, stale, from, to);
    out.push({ labels: labelsOf.get(ids[d])!, t: t.subarray(from, from + len), v: v.subarray(from, from + len), stale: stale.subarray(from, from + len) });
  }
  // Series without samples in range are not part of the result.
  return out;
}

/** The head's series, sorted where one arrived out of order (its copy, never the head's memory). */
function fromHead(labelsOf: Map<number, Labels>, h: HeadSamples): RawSeries[] {
  return h.series.map(({ id, t, v, stale, ordered }) => {
    const len = ordered ? t.length : inTimeOrder(t, v, stale, 0, t.length);
    return { labels: labelsOf.get(id)!, t: t.subarray(0, len), v: v.subarray(0, len), stale: stale.subarray(0, len) };
  });
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Puts one series' samples [from, to) in time order, the sample written last winning among equal
 * timestamps, compacted to the front; returns how many remain. Insertion order (DuckDB keeps it
 * without ORDER BY) is time order for well-behaved senders, so the sort is the rare path.
 */
function inTimeOrder(t: Float64Array, v: Float64Array, stale: Uint8Array, from: number, to: number): number {
  let ordered = true;
  for (let i = from + 1; i < to && ordered; i++) if (t[i] <= t[i - 1]) ordered = false;
  if (ordered) return to - from;
  const rows = Array.from({ length: to - from }, (_x, i) => from + i);
  rows.sort((x, y) => t[x] - t[y] || x - y);
  const tt = rows.map((r) => t[r]),
    vv = rows.map((r) => v[r]),
    ss = rows.map((r) => stale[r]);
  let len = 0;
  for (let i = 0; i < tt.length; i++) {
    // Equal timestamps: the row written last (sorted after) wins.
    if (len > 0 && t[from + len - 1] === tt[i]) len--;
    t[from + len] = tt[i];
    v[from + len] = vv[i];
    stale[from + len] = ss[i];
    len++;
  }
  return len;
}
