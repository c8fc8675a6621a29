// Selectors pushed down to SQL: label matchers become a WHERE on `prom_series`, the time range a
// WHERE on `prom_samples`; the statements run through store-reads.ts.
import type { Matcher } from "./ast.ts";
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
  const byId = new Map(series.map(([id, l]) => [Number(id), JSON.parse(String(l)) as Record<string, string>]));
  // Insertion order (DuckDB keeps it without ORDER BY) is time order for well-behaved senders;
  // a series that arrived out of order is sorted below, stably, so the sample written last wins.
  const [sid, time, value, isNull] = await runEvaluatorColumns(
    b,
    `SELECT series::DOUBLE, epoch_ms(time)::DOUBLE, value, (value IS NULL)::DOUBLE FROM prom_samples
     WHERE series IN (${ids.join(",")}) AND time >= make_timestamp($mint * 1000) AND time <= make_timestamp($maxt * 1000)`,
    { mint: Math.floor(mint), maxt: Math.floor(maxt) },
  );
  b.loaded += sid.length;
  if (b.loaded > b.maxSamples) throw tooManySamples(b);
  checkDeadline(b);
  const rowsOf = new Map<number, number[]>();
  for (let r = 0; r < sid.length; r++) {
    let list = rowsOf.get(sid[r]);
    if (!list) rowsOf.set(sid[r], (list = []));
    list.push(r);
  }
  const out: RawSeries[] = [];
  for (const [id, rows] of rowsOf) {
    let sorted = true;
    for (let i = 1; i < rows.length && sorted; i++) if (time[rows[i]] < time[rows[i - 1]]) sorted = false;
    if (!sorted) rows.sort((x, y) => time[x] - time[y] || x - y);
    const t: number[] = [],
      v: number[] = [],
      stale: number[] = [];
    for (const r of rows) {
      // Equal timestamps: the row written last wins.
      if (t.length > 0 && t[t.length - 1] === time[r]) {
        t.pop();
        v.pop();
        stale.pop();
      }
      t.push(time[r]);
      v.push(value[r]);
      stale.push(isNull[r]);
    }
    out.push({ labels: byId.get(id)!, t: Float64Array.from(t), v: Float64Array.from(v), stale: Uint8Array.from(stale) });
  }
  // Series without samples in range are not part of the result.
  return out;
}
