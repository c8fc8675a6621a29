// Literal syntax shared by the parser and the evaluator: durations, numbers, positions, regexes.
import type { Matcher } from "./ast.ts";

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Prometheus's duration syntax (`1h30m`, `90s`, `1y`); undefined when it is not one. */
export function parseDurationText(s: string): number | undefined {
  const m = DURATION.exec(s);
  if (!m || s === "") return undefined;
  let ms = 0;
  for (let i = 0; i < DURATION_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * DURATION_MS[i];
  return ms;
}

/** Go's strconv.ParseFloat as PromQL number literals use it: decimal, hex, Inf, NaN. */
export function parseNumber(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === "inf" || t === "+inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (t === "nan") return NaN;
  if (/^0x[0-9a-f]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  return undefined;
}

/** "line:col" of an offset, 1-based, as Prometheus prints positions. */
export function position(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split("\n").length;
  return `${line}:${offset - before.lastIndexOf("\n")}`;
}

/** Go's RE2 named groups `(?P<n>...)` are spelled `(?<n>...)` in JavaScript. */
export function toJsRegex(re: string): string {
  return `^(?:${re.replace(/\(\?P</g, "(?<")})$`;
}

export function matchesEmpty(m: Matcher): boolean {
  switch (m.op) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
      return new RegExp(toJsRegex(m.value)).test("");
    case "!~":
      return !new RegExp(toJsRegex(m.value)).test("");
  }
}
