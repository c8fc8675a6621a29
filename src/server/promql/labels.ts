// Label sets as frozen records, with the canonical key used to tell series apart and the
// matching signatures of binary operators and aggregations.
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly v: number;
  /** Timestamp of the sample (ms): the evaluation time, or the stored sample's time for a selector. */
  readonly t: number;
}

export type Vector = Sample[];

// Label sets are never changed once built, and one set is shared by every step of its series:
// its key, its set without the name and its groups are remembered per object, so a range query
// computes them once per series instead of once per series and step.
const keys = new WeakMap<Labels, string>();
const withoutName = new WeakMap<Labels, Labels>();
const groupsBy = new WeakMap<readonly string[], WeakMap<Labels, Labels>>();
const groupsWithout = new WeakMap<readonly string[], WeakMap<Labels, Labels>>();

export function labelsKey(l: Labels): string {
  let out = keys.get(l);
  if (out !== undefined) return out;
  const names = Object.keys(l).sort();
  out = "";
  for (const n of names) out += `${n}\u0000${l[n]}\u0001`;
  keys.set(l, out);
  return out;
}

export function dropName(l: Labels): Labels {
  if (!("__name__" in l)) return l;
  let rest = withoutName.get(l);
  if (!rest) {
    const { __name__: _drop, ...others } = l;
    withoutName.set(l, (rest = others));
  }
  return rest;
}

/** The values of `names` (on) or of every label but `names` and `__name__` (ignoring/without). */
export function signature(l: Labels, on: boolean, names: readonly string[]): string {
  if (on) {
    let out = "";
    for (const n of [...names].sort()) if (l[n] !== undefined && l[n] !== "") out += `${n}\u0000${l[n]}\u0001`;
    return out;
  }
  const keep: Record<string, string> = {};
  for (const n of Object.keys(l)) if (n !== "__name__" && !names.includes(n)) keep[n] = l[n];
  return labelsKey(keep);
}

/** The labels an aggregation groups by. */
export function groupLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  // The grouping list is the syntax tree's, the same object at every step.
  const byGrouping = without ? groupsWithout : groupsBy;
  let byLabels = byGrouping.get(grouping);
  if (!byLabels) byGrouping.set(grouping, (byLabels = new WeakMap()));
  let out = byLabels.get(l);
  if (!out) byLabels.set(l, (out = computeGroupLabels(l, grouping, without)));
  return out;
}

function computeGroupLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  const out: Record<string, string> = {};
  if (without) {
    for (const n of Object.keys(l)) if (n !== "__name__" && !grouping.includes(n)) out[n] = l[n];
  } else {
    for (const n of grouping) if (l[n] !== undefined && l[n] !== "") out[n] = l[n];
  }
  return out;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent; Prometheus's value text. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  const s = String(v);
  if (!/e/.test(s)) return s;
  const [mant, expText] = s.split("e");
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const point = mant.replace("-", "").indexOf(".") === -1 ? mant.replace("-", "").length : mant.replace("-", "").indexOf(".");
  const pos = point + exp;
  let out: string;
  if (pos <= 0) out = "0." + "0".repeat(-pos) + digits;
  else if (pos >= digits.length) out = digits + "0".repeat(pos - digits.length);
  else out = digits.slice(0, pos) + "." + digits.slice(pos);
  return (neg ? "-" : "") + out;
}
