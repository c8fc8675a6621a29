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

export function labelsKey(l: Labels): string {
  const names = Object.keys(l).sort();
  let out = "";
  for (const n of names) out += `${n}\u0000${l[n]}\u0001`;
  return out;
}

export function dropName(l: Labels): Labels {
  if (!("__name__" in l)) return l;
  const { __name__: _drop, ...rest } = l;
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
