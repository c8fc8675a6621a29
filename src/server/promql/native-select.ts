// Selecting the SDK's and OTLP's own metrics (stored as deltas) for PromQL. They are shown as a
// Prometheus scraping the service every `intervalMs` would have stored them: at each multiple of
// the interval, the cumulative value as of that moment (deltas folded in time order from the first
// point ever stored), from the series' first point until its stream closed. So `rate()` and
// `increase()` see the counters a scraping Prometheus sees; the only difference is the moment of
// each flush against the moment of each scrape.
import type { Matcher } from "./ast.ts";
import { labelsKey, type Labels } from "./labels.ts";
import type { NativeSeries } from "./native-catalog.ts";
import { toJsRegex } from "./literals.ts";
import { runEvaluatorSql, type NativeSource, type QueryBudget, type RawSeries } from "./store-reads.ts";

export function matches(labels: Labels, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return v === m.value;
      case "!=":
        return v !== m.value;
      case "=~":
        return new RegExp(toJsRegex(m.value)).test(v);
      case "!~":
        return !new RegExp(toJsRegex(m.value)).test(v);
    }
  });
}

export function nativeSeriesLabels(catalog: readonly NativeSeries[], matcherSets: readonly (readonly Matcher[])[]): Labels[] {
  const seen = new Map<string, Labels>();
  for (const s of catalog) {
    if (matcherSets.length === 0 || matcherSets.some((ms) => matches(s.labels, ms))) seen.set(labelsKey(s.labels), s.labels);
  }
  return [...seen.values()];
}

interface KeyState {
  sum: number;
  count: number;
  buckets: number[];
  last: number;
  lastTime: number;
  first: number;
  closed: number;
}

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

export async function selectNative(b: QueryBudget, src: NativeSource, matchers: readonly Matcher[], mint: number, maxt: number): Promise<RawSeries[]> {
  const picked = (await src.catalog()).filter((s) => matches(s.labels, matchers));
  if (picked.length === 0) return [];
  const grid: number[] = [];
  for (let t = Math.ceil(mint / src.intervalMs) * src.intervalMs; t <= maxt; t += src.intervalMs) grid.push(t);
  if (grid.length === 0) return [];
  const keyOf = (s: { stream: number; series: number; slot: number; field: number }) => `${s.stream}:${s.series}:${s.slot}:${s.field}`;
  const keys = new Map<string, NativeSeries>();
  for (const s of picked) keys.set(keyOf(s), s);
  const values = [...keys.values()].map((s) => `(${s.stream | 0}, ${s.series | 0}, ${s.slot | 0}, ${s.field | 0})`).join(", ");
  const join = `JOIN (VALUES ${values}) k(s, se, sl, f) ON p.stream_id = k.s AND p.series = k.se AND p.slot = k.sl AND p.field = k.f`;
  const params = { mint: Math.floor(grid[0]), maxt: Math.floor(grid[grid.length - 1]) };
  const before = "p.time < make_timestamp($mint * 1000)";
  const [base, baseBuckets, rows, streams] = await Promise.all([
    runEvaluatorSql(
      b,
      `SELECT p.stream_id, p.series, p.slot, p.field, coalesce(sum(p.value) FILTER (WHERE ${before}), 0), coalesce(sum(p.count) FILTER (WHERE ${before}), 0),
      arg_max(p.value, p.time) FILTER (WHERE ${before}), epoch_ms(max(p.time) FILTER (WHERE ${before})), epoch_ms(min(p.time)) FROM all_points p ${join} GROUP BY ALL`,
      { mint: params.mint },
    ),
    runEvaluatorSql(
      b,
      `SELECT stream_id, series, slot, field, list(s ORDER BY idx) FROM (
      SELECT p.stream_id, p.series, p.slot, p.field, idx, sum(b) AS s FROM (
        SELECT p.stream_id, p.series, p.slot, p.field, unnest(p.buckets) AS b, generate_subscripts(p.buckets, 1) AS idx
        FROM distribution_points p ${join} WHERE p.buckets IS NOT NULL AND ${before}) p GROUP BY ALL) GROUP BY ALL`,
      { mint: params.mint },
    ),
    runEvaluatorSql(
      b,
      `SELECT p.stream_id, p.series, p.slot, p.field, epoch_ms(p.time), p.value, p.count, p.buckets FROM all_points p ${join}
      WHERE p.time >= make_timestamp($mint * 1000) AND p.time <= make_timestamp($maxt * 1000) ORDER BY p.time`,
      params,
    ),
    runEvaluatorSql(b, `SELECT id, epoch_ms(closed) FROM streams WHERE id IN (${[...new Set(picked.map((s) => s.stream | 0))].join(",")})`, {}),
  ]);
  b.loaded += base.length + rows.length;
  const closed = new Map(streams.map(([id, c]) => [num(id), c === null ? Infinity : num(c)]));
  const state = new Map<string, KeyState>();
  for (const [s, se, sl, f, sum, count, last, lastTime, first] of base) {
    const k = `${s}:${se}:${sl}:${f}`;
    state.set(k, {
      sum: num(sum),
      count: num(count),
      buckets: [],
      last: num(last),
      lastTime: lastTime === null ? -Infinity : num(lastTime),
      first: num(first),
      closed: closed.get(num(s)) ?? Infinity,
    });
  }
  for (const [s, se, sl, f, list] of baseBuckets) {
    const st = state.get(`${s}:${se}:${sl}:${f}`);
    if (st) st.buckets = (list as unknown[]).map(num);
  }
  // Per grid point, every key's value; then series with equal labels are merged like /metrics merges them.
  const out = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  const latest = new Map<string, number[]>();
  let r = 0;
  for (const g of grid) {
    for (; r < rows.length && num(rows[r][4]) <= g; r++) {
      const [s, se, sl, f, t, value, count, buckets] = rows[r];
      const st = state.get(`${s}:${se}:${sl}:${f}`);
      if (!st) continue;
      st.sum += num(value);
      if (count !== null) st.count += num(count);
      st.last = num(value);
      st.lastTime = num(t);
      if (Array.isArray(buckets)) buckets.forEach((x, j) => (st.buckets[j] = (st.buckets[j] ?? 0) + num(x)));
    }
    for (const s of picked) {
      const st = state.get(keyOf(s));
      if (!st || g < st.first || g >= st.closed || st.lastTime === -Infinity) continue;
      const v = scrapedValue(s, st);
      const k = labelsKey(s.labels);
      let acc = out.get(k);
      if (!acc) out.set(k, (acc = { labels: s.labels, t: [], v: [] }));
      if (acc.t[acc.t.length - 1] === g) {
        // Same labels from another stream: counters and sums add up; a gauge shows the latest update.
        if (s.part.kind !== "gauge") acc.v[acc.v.length - 1] += v;
        else if (st.lastTime >= (latest.get(k)?.[0] ?? -Infinity)) acc.v[acc.v.length - 1] = v;
      } else {
        acc.t.push(g);
        acc.v.push(v);
      }
      if (s.part.kind === "gauge") latest.set(k, [st.lastTime]);
    }
  }
  return [...out.values()].map((a) => ({ labels: a.labels, t: Float64Array.from(a.t), v: Float64Array.from(a.v), stale: new Uint8Array(a.t.length) }));
}

function scrapedValue(s: NativeSeries, st: KeyState): number {
  switch (s.part.kind) {
    case "counter":
    case "sum":
      return s.scale(st.sum);
    case "gauge":
    case "updown":
      return s.scale(st.last);
    case "count":
      return st.count;
    case "bucket": {
      let acc = 0;
      for (let j = 0; j <= s.part.upTo; j++) acc += st.buckets[j] ?? 0;
      return acc;
    }
    // Only forwarding shows an mmsc's min and max (nativeCatalog lists its _sum and _count).
    case "min":
    case "max":
      return NaN;
  }
}
