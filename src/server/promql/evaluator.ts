// Evaluates a syntax tree over a grid of steps (one step for an instant query), the way
// Prometheus's range evaluation does: instant selectors take the latest sample within the lookback
// window (none if it is a staleness marker), range selectors and subqueries feed windows
// [t - range, t] to range functions, and everything else is computed step by step.
import type { Aggregate, Binary, Call, Expr, MatrixSelector, Subquery, VectorSelector } from "./ast.ts";
import { aggregate } from "./aggregate.ts";
import { scalarScalar, vectorScalar, vectorVector } from "./binary.ts";
import { PromqlError, unsupported } from "./errors.ts";
import { INSTANT_FUNCTIONS } from "./instant-functions.ts";
import { dropName, labelsKey, type Labels, type Vector } from "./labels.ts";
import { RANGE_FUNCTIONS, type Window } from "./range-functions.ts";
import { selectSamples } from "./select.ts";
import { checkDeadline, type QueryBudget, type RawSeries } from "./store-reads.ts";

export interface EvalOptions {
  /** ms */
  readonly lookback: number;
  /** Step of subqueries written without one (`[1h:]`), ms. */
  readonly subqueryStep: number;
}

export type Value =
  | { readonly type: "scalar"; readonly v: Float64Array }
  | { readonly type: "vector"; readonly steps: Vector[] }
  | { readonly type: "string"; readonly s: string };

/** Series (stale markers removed) and the range/offset of the windows cut from them. */
interface RangeInput {
  readonly series: RawSeries[];
  readonly range: number;
  readonly offset: number;
}

const DUPLICATE = "vector cannot contain metrics with the same labelset";

export class Evaluator {
  constructor(
    private readonly budget: QueryBudget,
    private readonly options: EvalOptions,
  ) {}

  async eval(e: Expr, grid: readonly number[]): Promise<Value> {
    checkDeadline(this.budget);
    switch (e.kind) {
      case "number":
        return { type: "scalar", v: new Float64Array(grid.length).fill(e.value) };
      case "string":
        return { type: "string", s: e.value };
      case "unary": {
        const v = await this.eval(e.expr, grid);
        if (e.op === "+") return v;
        if (v.type === "scalar") return { type: "scalar", v: v.v.map((x) => -x) };
        if (v.type === "vector") return { type: "vector", steps: v.steps.map((vec, i) => vec.map((s) => ({ labels: dropName(s.labels), v: -s.v, t: grid[i] }))) };
        throw new PromqlError("bad_data", "unary minus on a string");
      }
      case "vector":
        return { type: "vector", steps: await this.instantSelector(e, grid) };
      case "matrix":
      case "subquery":
        throw new PromqlError("bad_data", "a range vector can only be an argument of a function here");
      case "binary":
        return this.binary(e, grid);
      case "aggregate":
        return this.aggregate(e, grid);
      case "call":
        return this.call(e, grid);
    }
  }

  private async instantSelector(sel: VectorSelector, grid: readonly number[]): Promise<Vector[]> {
    const lookback = this.options.lookback;
    const series = await selectSamples(this.budget, sel.matchers, grid[0] - sel.offset - lookback, grid[grid.length - 1] - sel.offset);
    const steps: Vector[] = grid.map(() => []);
    for (const s of series) {
      let j = 0;
      for (let i = 0; i < grid.length; i++) {
        const ref = grid[i] - sel.offset;
        while (j < s.t.length && s.t[j] <= ref) j++;
        const k = j - 1;
        if (k < 0 || s.t[k] < ref - lookback || s.stale[k]) continue;
        steps[i].push({ labels: s.labels, v: s.v[k], t: s.t[k] });
      }
    }
    return steps;
  }

  /** Windows of a range selector or a subquery, for range functions. */
  private async rangeInput(e: MatrixSelector | Subquery, grid: readonly number[]): Promise<RangeInput> {
    if (e.kind === "matrix") {
      const off = e.vector.offset;
      const raw = await selectSamples(this.budget, e.vector.matchers, grid[0] - off - e.range, grid[grid.length - 1] - off);
      return { series: raw.map(withoutStale), range: e.range, offset: off };
    }
    const interval = e.step || this.options.subqueryStep;
    const first = grid[0] - e.offset - e.range;
    let start = interval * Math.trunc(first / interval);
    if (start < first) start += interval;
    const end = grid[grid.length - 1] - e.offset;
    const sub: number[] = [];
    for (let t = start; t <= end; t += interval) sub.push(t);
    if (sub.length === 0) return { series: [], range: e.range, offset: e.offset };
    const v = await this.eval(e.expr, sub);
    if (v.type !== "vector") throw new PromqlError("bad_data", "subquery is only allowed on instant vector");
    const bySeries = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    v.steps.forEach((vec, i) => {
      for (const s of vec) {
        const k = labelsKey(s.labels);
        let acc = bySeries.get(k);
        if (!acc) bySeries.set(k, (acc = { labels: s.labels, t: [], v: [] }));
        acc.t.push(sub[i]);
        acc.v.push(s.v);
      }
    });
    const series = [...bySeries.values()].map((a) => ({ labels: a.labels, t: Float64Array.from(a.t), v: Float64Array.from(a.v), stale: new Uint8Array(a.t.length) }));
    return { series, range: e.range, offset: e.offset };
  }

  /** For each step, each series' window [t - offset - range, t - offset] (both ends included, as in Prometheus 2.x). */
  private windows(
    input: RangeInput,
    grid: readonly number[],
    each: (step: number, s: RawSeries, from: number, to: number, rangeStart: number, rangeEnd: number) => void,
  ): void {
    for (const s of input.series) {
      let from = 0,
        to = 0;
      for (let i = 0; i < grid.length; i++) {
        const rangeEnd = grid[i] - input.offset,
          rangeStart = rangeEnd - input.range;
        while (from < s.t.length && s.t[from] < rangeStart) from++;
        if (to < from) to = from;
        while (to < s.t.length && s.t[to] <= rangeEnd) to++;
        each(i, s, from, to, rangeStart, rangeEnd);
      }
    }
  }

  private async call(e: Call, grid: readonly number[]): Promise<Value> {
    const rangeArg = e.args.findIndex((a) => a.kind === "matrix" || a.kind === "subquery");
    if (rangeArg >= 0) return this.rangeCall(e, rangeArg, grid);
    if (e.func === "time") return { type: "scalar", v: Float64Array.from(grid, (t) => t / 1000) };
    const args = await Promise.all(e.args.map((a) => this.eval(a, grid)));
    // timestamp() of a selector is the stored sample's time; of anything else, the evaluation time.
    if (e.func === "timestamp" && e.args[0].kind !== "vector") {
      const a = args[0] as { steps: Vector[] };
      args[0] = { type: "vector", steps: a.steps.map((vec, i) => vec.map((s) => ({ ...s, t: grid[i] }))) };
    }
    if (e.func === "vector") return { type: "vector", steps: grid.map((t, i) => [{ labels: {}, v: (args[0] as { v: Float64Array }).v[i], t }]) };
    if (e.func === "scalar") {
      const steps = (args[0] as { steps: Vector[] }).steps;
      return { type: "scalar", v: Float64Array.from(steps, (vec) => (vec.length === 1 ? vec[0].v : NaN)) };
    }
    if (e.func === "absent") {
      const steps = (args[0] as { steps: Vector[] }).steps;
      const labels = absentLabels(e.args[0]);
      return { type: "vector", steps: steps.map((vec, i) => (vec.length === 0 ? [{ labels, v: 1, t: grid[i] }] : [])) };
    }
    const f = INSTANT_FUNCTIONS[e.func];
    if (!f) throw unsupported(`function ${e.func}()`);
    const vecArg = args.findIndex((a) => a.type === "vector");
    const steps: Vector[] = grid.map((t, i) => {
      const out = f({
        vector: vecArg >= 0 ? (args[vecArg] as { steps: Vector[] }).steps[i] : [],
        scalars: args.filter((a) => a.type === "scalar").map((a) => (a as { v: Float64Array }).v[i]),
        strings: args.filter((a) => a.type === "string").map((a) => (a as { s: string }).s),
        t,
      });
      assertUnique(out);
      return out;
    });
    return { type: "vector", steps };
  }

  private async rangeCall(e: Call, argIndex: number, grid: readonly number[]): Promise<Value> {
    const input = await this.rangeInput(e.args[argIndex] as MatrixSelector | Subquery, grid);
    const steps: Vector[] = grid.map(() => []);
    if (e.func === "absent_over_time") {
      const present = new Uint8Array(grid.length);
      this.windows(input, grid, (i, _s, from, to) => {
        if (to > from) present[i] = 1;
      });
      const labels = absentLabels(e.args[argIndex]);
      return { type: "vector", steps: steps.map((_v, i) => (present[i] ? [] : [{ labels, v: 1, t: grid[i] }])) };
    }
    const f = RANGE_FUNCTIONS[e.func];
    if (!f) throw unsupported(`function ${e.func}()`);
    let param: Float64Array | undefined;
    if (e.func === "quantile_over_time") {
      const p = await this.eval(e.args[0], grid);
      param = (p as { v: Float64Array }).v;
    }
    const keepName = e.func === "last_over_time";
    const labelsOut = (s: RawSeries) => (keepName ? s.labels : dropName(s.labels));
    // One window object for every call (functions only read it): a range query makes millions.
    const w: { -readonly [K in keyof Window]: Window[K] } = {
      t: new Float64Array(0),
      v: new Float64Array(0),
      from: 0,
      to: 0,
      rangeStart: 0,
      rangeEnd: 0,
      range: input.range,
    };
    this.windows(input, grid, (i, s, from, to, rangeStart, rangeEnd) => {
      if (to <= from) return;
      w.t = s.t;
      w.v = s.v;
      w.from = from;
      w.to = to;
      w.rangeStart = rangeStart;
      w.rangeEnd = rangeEnd;
      const v = f(w, param ? param[i] : 0);
      if (v !== undefined) steps[i].push({ labels: labelsOut(s), v, t: grid[i] });
    });
    // Series that stay distinct once the name is dropped can never collide at a step.
    if (new Set(input.series.map((s) => labelsKey(labelsOut(s)))).size < input.series.length) for (const vec of steps) assertUnique(vec);
    checkDeadline(this.budget);
    return { type: "vector", steps };
  }

  private async binary(e: Binary, grid: readonly number[]): Promise<Value> {
    const [l, r] = await Promise.all([this.eval(e.lhs, grid), this.eval(e.rhs, grid)]);
    if (l.type === "scalar" && r.type === "scalar") return { type: "scalar", v: l.v.map((x, i) => scalarScalar(e.op, x, r.v[i], e.bool)) };
    if (l.type === "vector" && r.type === "scalar") return { type: "vector", steps: l.steps.map((vec, i) => vectorScalar(e.op, vec, r.v[i], false, e.bool, grid[i])) };
    if (l.type === "scalar" && r.type === "vector") return { type: "vector", steps: r.steps.map((vec, i) => vectorScalar(e.op, vec, l.v[i], true, e.bool, grid[i])) };
    if (l.type === "vector" && r.type === "vector")
      return { type: "vector", steps: l.steps.map((vec, i) => vectorVector(e.op, vec, r.steps[i], e.matching, e.bool, grid[i])) };
    throw new PromqlError("bad_data", "binary expression must contain only scalar and instant vector types");
  }

  private async aggregate(e: Aggregate, grid: readonly number[]): Promise<Value> {
    const [v, p] = await Promise.all([this.eval(e.expr, grid), e.param ? this.eval(e.param, grid) : Promise.resolve(undefined)]);
    const steps = (v as { steps: Vector[] }).steps;
    return {
      type: "vector",
      steps: steps.map((vec, i) =>
        aggregate(e.op, vec, e.grouping, e.without, p === undefined ? undefined : p.type === "string" ? p.s : p.type === "scalar" ? p.v[i] : undefined, grid[i]),
      ),
    };
  }

  /** A top-level range vector (instant queries only): the raw samples of each series in the window. */
  async matrix(e: MatrixSelector | Subquery, t: number): Promise<RawSeries[]> {
    const input = await this.rangeInput(e, [t]);
    const out: RawSeries[] = [];
    this.windows(input, [t], (_i, s, from, to) => {
      if (to > from) out.push({ labels: s.labels, t: s.t.slice(from, to), v: s.v.slice(from, to), stale: new Uint8Array(to - from) });
    });
    return out;
  }
}

function withoutStale(s: RawSeries): RawSeries {
  if (!s.stale.includes(1)) return s;
  const keep: number[] = [];
  for (let i = 0; i < s.t.length; i++) if (!s.stale[i]) keep.push(i);
  return { labels: s.labels, t: Float64Array.from(keep, (i) => s.t[i]), v: Float64Array.from(keep, (i) => s.v[i]), stale: new Uint8Array(keep.length) };
}

function assertUnique(vec: Vector): void {
  if (vec.length < 2) return;
  const seen = new Set<string>();
  for (const s of vec) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw new PromqlError("execution", DUPLICATE);
    seen.add(k);
  }
}

/** absent()'s labels: those of the selector's equality matchers (a label matched twice is left out). */
function absentLabels(arg: Expr): Labels {
  const sel = arg.kind === "vector" ? arg : arg.kind === "matrix" ? arg.vector : undefined;
  if (!sel) return {};
  const out: Record<string, string> = {};
  const twice = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === "__name__") continue;
    if (m.op === "=" && !(m.name in out) && !twice.has(m.name)) out[m.name] = m.value;
    else if (m.name in out) {
      delete out[m.name];
      twice.add(m.name);
    }
  }
  return out;
}
