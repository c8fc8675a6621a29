// Instant and range queries: parse, evaluate under the query's budget (deadline, samples loaded),
// and shape the result exactly as Prometheus's HTTP API does (`[seconds, "value"]` pairs).
import { typeOf } from "./ast.ts";
import { PromqlError } from "./errors.ts";
import { Evaluator } from "./evaluator.ts";
import { formatValue, labelsKey, type Labels } from "./labels.ts";
import { functionType, parsePromql, typeName } from "./parse.ts";
import type { HeadReader, NativeSource, QueryBudget, StoreReader } from "./store-reads.ts";

export interface PromqlLimits {
  /** ms a query may run (Prometheus's --query.timeout; default 2 min). */
  readonly timeoutMs: number;
  /** Samples a query may load from the store (default 50,000,000). */
  readonly maxSamples: number;
  /** How far back an instant selector looks for a sample (default 5 min). */
  readonly lookbackMs: number;
  /** Step of subqueries written without one (default 1 min, Prometheus's default evaluation interval). */
  readonly subqueryStepMs: number;
  /** Points per series a range query may have (Prometheus: 11,000). */
  readonly maxPoints: number;
  /** The scrape interval the SDK's own (delta) metrics are presented at (default 15 s). */
  readonly nativeIntervalMs: number;
  /** Worker threads queries are evaluated on (default 2); 0 evaluates on the main thread. */
  readonly workers: number;
  /** Recent remote-written samples kept in memory for queries (default 8,000,000; 0: none). */
  readonly headSamples: number;
}

export const DEFAULT_PROMQL_LIMITS: PromqlLimits = {
  timeoutMs: 120_000,
  maxSamples: 50_000_000,
  lookbackMs: 300_000,
  subqueryStepMs: 60_000,
  maxPoints: 11_000,
  nativeIntervalMs: 15_000,
  workers: 2,
  headSamples: 8_000_000,
};

type Point = [number, string];
export type QueryData =
  | { resultType: "scalar" | "string"; result: Point }
  | { resultType: "vector"; result: { metric: Labels; value: Point }[] }
  | { resultType: "matrix"; result: { metric: Labels; values: Point[] }[] };

/** What a query reads: the store, and the native metrics' catalog when the server has one. */
export interface QuerySource {
  readonly store: StoreReader;
  readonly native?: NativeSource;
  readonly head?: HeadReader;
}

export function budget(src: QuerySource, limits: PromqlLimits, timeoutMs = Infinity): QueryBudget {
  return {
    store: src.store,
    ...(src.native ? { native: src.native } : {}),
    ...(src.head ? { head: src.head } : {}),
    deadline: Date.now() + Math.min(timeoutMs, limits.timeoutMs),
    maxSamples: limits.maxSamples,
    loaded: 0,
  };
}

const seconds = (ms: number): number => ms / 1000;

export async function instantQuery(src: QuerySource, limits: PromqlLimits, query: string, t: number, timeoutMs = Infinity): Promise<QueryData> {
  const expr = parsePromql(query);
  const ev = new Evaluator(budget(src, limits, timeoutMs), { lookback: limits.lookbackMs, subqueryStep: limits.subqueryStepMs });
  if (expr.kind === "matrix" || expr.kind === "subquery") {
    const series = await ev.matrix(expr, t);
    return { resultType: "matrix", result: series.map((s) => ({ metric: s.labels, values: Array.from(s.t, (ts, i): Point => [seconds(ts), formatValue(s.v[i])]) })) };
  }
  const v = await ev.eval(expr, [t]);
  if (v.type === "scalar") return { resultType: "scalar", result: [seconds(t), formatValue(v.v[0])] };
  if (v.type === "string") return { resultType: "string", result: [seconds(t), v.s] };
  return { resultType: "vector", result: v.steps[0].map((s) => ({ metric: s.labels, value: [seconds(t), formatValue(s.v)] })) };
}

export async function rangeQuery(
  src: QuerySource,
  limits: PromqlLimits,
  query: string,
  start: number,
  end: number,
  step: number,
  timeoutMs = Infinity,
): Promise<QueryData> {
  const expr = parsePromql(query);
  const type = typeOf(expr, functionType);
  if (type !== "scalar" && type !== "vector")
    throw new PromqlError("bad_data", `invalid expression type "${typeName(type)}" for range query, must be Scalar or instant Vector`);
  const grid: number[] = [];
  for (let t = start; t <= end; t += step) grid.push(t);
  const ev = new Evaluator(budget(src, limits, timeoutMs), { lookback: limits.lookbackMs, subqueryStep: limits.subqueryStepMs });
  const v = await ev.eval(expr, grid);
  if (v.type === "scalar") return { resultType: "matrix", result: [{ metric: {}, values: Array.from(v.v, (x, i): Point => [seconds(grid[i]), formatValue(x)]) }] };
  if (v.type !== "vector") throw new PromqlError("bad_data", "range query on a string");
  const series = new Map<string, { metric: Labels; values: Point[] }>();
  v.steps.forEach((vec, i) => {
    for (const s of vec) {
      const k = labelsKey(s.labels);
      let acc = series.get(k);
      if (!acc) series.set(k, (acc = { metric: s.labels, values: [] }));
      acc.values.push([seconds(grid[i]), formatValue(s.v)]);
    }
  });
  const result = [...series.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, s]) => s);
  return { resultType: "matrix", result };
}
