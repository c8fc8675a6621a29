// How metric names, units and labels become Prometheus names. Shared by the SDK's pull endpoint
// and the telemetry server's /metrics, so both expose the same names for the same schema.
//
// Units: by default a scaled unit is exposed in its base unit (ms -> seconds, values divided by
// 1000; KiBy -> bytes, values times 1024), because `promtool check metrics` flags any name with
// a non-base unit ("use base unit "seconds" instead of "milliseconds"") and Prometheus' naming
// guide asks for base units. `units: "declared"` keeps the schema's unit (`_milliseconds`).

export type UnitMode = "base" | "declared";

export interface PromUnit {
  /** Name suffix without the leading `_` ("" when the unit adds none). */
  readonly suffix: string;
  /** Factor from the schema's unit to the exposed one (1 unless converted to a base unit). */
  readonly scale: number;
}

interface UnitInfo {
  readonly word: string;
  /** Singular form, used after `per_` (bytes_per_second). */
  readonly one: string;
  readonly base?: { readonly word: string; readonly one: string; readonly factor: number };
}

const SECONDS = { word: "seconds", one: "second" };
const BYTES = { word: "bytes", one: "byte" };
const scaled = (word: string, one: string, base: { word: string; one: string }, factor: number): UnitInfo => ({ word, one, base: { ...base, factor } });

// UCUM units the OpenTelemetry Prometheus compatibility spec names, plus their base conversions.
const UNITS: Readonly<Record<string, UnitInfo>> = {
  s: SECONDS,
  ms: scaled("milliseconds", "millisecond", SECONDS, 1e-3),
  us: scaled("microseconds", "microsecond", SECONDS, 1e-6),
  ns: scaled("nanoseconds", "nanosecond", SECONDS, 1e-9),
  min: scaled("minutes", "minute", SECONDS, 60),
  h: scaled("hours", "hour", SECONDS, 3600),
  d: scaled("days", "day", SECONDS, 86400),
  By: BYTES,
  KiBy: scaled("kibibytes", "kibibyte", BYTES, 1024),
  MiBy: scaled("mebibytes", "mebibyte", BYTES, 1024 ** 2),
  GiBy: scaled("gibibytes", "gibibyte", BYTES, 1024 ** 3),
  TiBy: scaled("tebibytes", "tebibyte", BYTES, 1024 ** 4),
  KBy: scaled("kilobytes", "kilobyte", BYTES, 1e3),
  kBy: scaled("kilobytes", "kilobyte", BYTES, 1e3),
  MBy: scaled("megabytes", "megabyte", BYTES, 1e6),
  GBy: scaled("gigabytes", "gigabyte", BYTES, 1e9),
  TBy: scaled("terabytes", "terabyte", BYTES, 1e12),
  bit: scaled("bits", "bit", BYTES, 1 / 8),
  m: { word: "meters", one: "meter" },
  g: { word: "grams", one: "gram" },
  V: { word: "volts", one: "volt" },
  A: { word: "amperes", one: "ampere" },
  J: { word: "joules", one: "joule" },
  W: { word: "watts", one: "watt" },
  Hz: { word: "hertz", one: "hertz" },
  Cel: { word: "celsius", one: "celsius" },
  K: { word: "kelvin", one: "kelvin" },
  "%": { word: "percent", one: "percent" },
};

/** A unit nobody listed: its letters and digits, so it can still be part of a name. */
function plainWord(u: string): string {
  return u
    .replace(/[^a-zA-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

function part(u: string, mode: UnitMode, singular: boolean): { word: string; scale: number } {
  const info = UNITS[u];
  if (!info) return { word: plainWord(u), scale: 1 };
  if (mode === "base" && info.base) return { word: singular ? info.base.one : info.base.word, scale: info.base.factor };
  return { word: singular ? info.one : info.word, scale: 1 };
}

const unitCache = new Map<string, PromUnit>();

/** `{...}` annotations and "1" add nothing; `X/Y` becomes `X_per_Y`. */
export function promUnit(unit: string, mode: UnitMode = "base"): PromUnit {
  const cacheKey = mode + "\u0000" + unit;
  const hit = unitCache.get(cacheKey);
  if (hit) return hit;
  const u = unit.replace(/\{[^}]*\}/g, "").trim();
  let out: PromUnit;
  if (u === "" || u === "1") out = { suffix: "", scale: 1 };
  else {
    const slash = u.indexOf("/");
    if (slash < 0) {
      const p = part(u, mode, false);
      out = { suffix: p.word, scale: p.scale };
    } else {
      const num = u.slice(0, slash).trim();
      const den = part(u.slice(slash + 1).trim(), mode, true);
      const n = num === "" || num === "1" ? { word: "", scale: 1 } : part(num, mode, false);
      const suffix = [n.word, den.word ? `per_${den.word}` : ""].filter(Boolean).join("_");
      out = { suffix, scale: n.scale / den.scale };
    }
  }
  unitCache.set(cacheKey, out);
  return out;
}

/** Any string as a valid metric name: invalid characters become `_`, runs of `_` collapse. */
export function sanitizeMetricName(name: string): string {
  let n = name
    .replace(/[^a-zA-Z0-9_:]+/g, "_")
    .replace(/__+/g, "_")
    .replace(/(.)_$/, "$1");
  if (n === "" || n === "_") n = "metric";
  if (/^[0-9]/.test(n)) n = "_" + n;
  return n;
}

/**
 * The family name: sanitized, with the unit suffix unless the name already ends with it. For
 * counters the `_total` suffix is not part of the family (OpenMetrics) but of the sample name.
 */
export function familyName(name: string, unit: string, counter: boolean, mode: UnitMode = "base"): { name: string; scale: number; unit: string } {
  let n = sanitizeMetricName(name);
  // A counter named "...total" would end up "..._total_total"; the suffix is added back for samples.
  if (counter) n = n.replace(/_total$/, "") || "metric";
  const u = promUnit(unit, mode);
  if (u.suffix && !n.endsWith("_" + u.suffix)) n += "_" + u.suffix;
  return { name: n, scale: u.scale, unit: u.suffix };
}

const labelCache = new Map<string, string>();

/** A valid label name: invalid characters become `_`; names Prometheus reserves (`__x`) get a `key` prefix. */
export function labelName(key: string): string {
  const hit = labelCache.get(key);
  if (hit !== undefined) return hit;
  let n = key.replace(/[^a-zA-Z0-9_]/g, "_");
  if (n === "") n = "key_";
  if (/^[0-9]/.test(n)) n = "key_" + n;
  if (n.startsWith("__")) n = "key" + n;
  if (labelCache.size < 10_000) labelCache.set(key, n);
  return n;
}

export function escapeLabelValue(v: string): string {
  // Most values need nothing: test before allocating.
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

/** HELP text: text format 0.0.4 escapes `\` and newline; OpenMetrics also `"`. */
export function escapeHelp(v: string, openMetrics: boolean): string {
  const s = v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "");
  return openMetrics ? s.replace(/"/g, '\\"') : s;
}

export function formatNumber(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v !== v) return "NaN";
  return String(v);
}

/** Label name -> value of an attribute map (names sanitized, colliding keys merged with `;`). */
export function labelMap(attrs: Readonly<Record<string, unknown>>): Map<string, string> {
  const keys = Object.keys(attrs).sort();
  const merged = new Map<string, string>();
  for (const k of keys) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    const name = labelName(k);
    const text = typeof v === "string" ? v : String(v);
    const prev = merged.get(name);
    merged.set(name, prev === undefined ? text : `${prev};${text}`);
  }
  return merged;
}

/**
 * Label pairs `a="x",b="y"` of an attribute map, sorted by label name. Keys that sanitize to the
 * same label are merged with `;` (ordered by original key), as the OpenTelemetry spec says, so
 * the exposition never repeats a label.
 */
export function labelPairs(attrs: Readonly<Record<string, unknown>>): string {
  const merged = labelMap(attrs);
  if (merged.size === 0) return "";
  const names = [...merged.keys()].sort();
  let out = "";
  for (const n of names) out += (out ? "," : "") + `${n}="${escapeLabelValue(merged.get(n)!)}"`;
  return out;
}
