// Functions over instant vectors, evaluated at one step: math, clamping, rounding, sorting,
// label rewriting, histogram_quantile. Each returns the output vector for that step.
import { PromqlError } from "./errors.ts";
import { dropName, labelsKey, type Labels, type Vector } from "./labels.ts";
import { toJsRegex } from "./literals.ts";

export interface InstantArgs {
  readonly vector: Vector;
  /** Scalar arguments, in order, at this step. */
  readonly scalars: readonly number[];
  readonly strings: readonly string[];
  /** Evaluation time, ms. */
  readonly t: number;
}

export type InstantFunction = (a: InstantArgs) => Vector;

const mapValues =
  (f: (v: number) => number): InstantFunction =>
  (a) =>
    a.vector.map((s) => ({ labels: dropName(s.labels), v: f(s.v), t: a.t }));

/** Go's template Expand for label_replace: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_all, _x, braced: string | undefined, bare: string | undefined) => {
    if (_x === "$") return "$";
    const name = braced ?? bare ?? "";
    if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
    return m.groups?.[name] ?? "";
  });
}

function withLabel(l: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...l };
  if (value === "") delete out[name];
  else out[name] = value;
  return out;
}

function uniqueOrFail(vec: Vector): Vector {
  const seen = new Set<string>();
  for (const s of vec) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw new PromqlError("execution", "vector cannot contain metrics with the same labelset");
    seen.add(k);
  }
  return vec;
}

interface Bucket {
  upper: number;
  count: number;
}

/** Prometheus 2.42's bucketQuantile for classic histograms. */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length === 0 || buckets[buckets.length - 1].upper !== Infinity) return NaN;
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const prev = merged[merged.length - 1];
    if (prev && prev.upper === b.upper) prev.count += b.count;
    else merged.push({ ...b });
  }
  let max = -Infinity;
  for (const b of merged) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (merged.length < 2) return NaN;
  const observations = merged[merged.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  // First bucket (excluding +Inf) whose cumulative count reaches the rank.
  while (b < merged.length - 1 && !(merged[b].count >= rank)) b++;
  if (b === merged.length - 1) return merged[merged.length - 2].upper;
  if (b === 0 && merged[0].upper <= 0) return merged[0].upper;
  let start = 0;
  const end = merged[b].upper;
  let count = merged[b].count;
  if (b > 0) {
    start = merged[b - 1].upper;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

function parseLe(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (t === "+inf" || t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (t === "nan") return NaN;
  const n = Number(t);
  return t !== "" && !Number.isNaN(n) ? n : undefined;
}

export const INSTANT_FUNCTIONS: Readonly<Record<string, InstantFunction>> = {
  abs: mapValues(Math.abs),
  ceil: mapValues(Math.ceil),
  floor: mapValues(Math.floor),
  exp: mapValues(Math.exp),
  sqrt: mapValues(Math.sqrt),
  ln: mapValues(Math.log),
  log2: mapValues(Math.log2),
  log10: mapValues(Math.log10),
  sgn: mapValues((v) => (v > 0 ? 1 : v < 0 ? -1 : v)),
  round: (a) => {
    const toNearest = a.scalars[0] ?? 1;
    const inverse = 1 / toNearest;
    return a.vector.map((s) => ({ labels: dropName(s.labels), v: Math.floor(s.v * inverse + 0.5) / inverse, t: a.t }));
  },
  clamp: (a) => {
    const [min, max] = a.scalars;
    if (max < min) return [];
    return a.vector.map((s) => ({ labels: dropName(s.labels), v: Math.max(min, Math.min(max, s.v)), t: a.t }));
  },
  clamp_min: (a) => a.vector.map((s) => ({ labels: dropName(s.labels), v: Math.max(s.v, a.scalars[0]), t: a.t })),
  clamp_max: (a) => a.vector.map((s) => ({ labels: dropName(s.labels), v: Math.min(s.v, a.scalars[0]), t: a.t })),
  timestamp: (a) => a.vector.map((s) => ({ labels: dropName(s.labels), v: s.t / 1000, t: a.t })),
  sort: (a) => [...a.vector].sort((x, y) => (Number.isNaN(x.v) ? -1 : Number.isNaN(y.v) ? 1 : x.v - y.v)),
  sort_desc: (a) => [...a.vector].sort((x, y) => (Number.isNaN(x.v) ? -1 : Number.isNaN(y.v) ? 1 : y.v - x.v)),
  label_replace: (a) => {
    const [dst, replacement, src, regex] = a.strings;
    let re: RegExp;
    try {
      re = new RegExp(toJsRegex(regex));
    } catch (e) {
      throw new PromqlError("bad_data", `invalid regular expression in label_replace(): ${regex}: ${(e as Error).message}`);
    }
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) throw new PromqlError("bad_data", `invalid destination label name in label_replace(): ${dst}`);
    return uniqueOrFail(
      a.vector.map((s) => {
        const m = re.exec(s.labels[src] ?? "");
        return m ? { ...s, labels: withLabel(s.labels, dst, expandTemplate(replacement, m)) } : s;
      }),
    );
  },
  label_join: (a) => {
    const [dst, sep, ...srcs] = a.strings;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dst)) throw new PromqlError("bad_data", `invalid destination label name in label_join(): ${dst}`);
    return uniqueOrFail(a.vector.map((s) => ({ ...s, labels: withLabel(s.labels, dst, srcs.map((n) => s.labels[n] ?? "").join(sep)) })));
  },
  histogram_quantile: (a) => {
    const q = a.scalars[0];
    const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
    for (const s of a.vector) {
      const le = s.labels.le === undefined ? undefined : parseLe(s.labels.le);
      if (le === undefined) continue;
      const { le: _le, ...rest } = dropName(s.labels);
      const k = labelsKey(rest);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { labels: rest, buckets: [] }));
      g.buckets.push({ upper: le, count: s.v });
    }
    return [...groups.values()].map((g) => ({ labels: g.labels, v: bucketQuantile(q, g.buckets), t: a.t }));
  },
};
