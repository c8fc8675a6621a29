// Severity as OpenTelemetry's SeverityNumber (1-24 in six ranges of four: TRACE 1-4, DEBUG 5-8,
// INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24). Names map to the first number of their range,
// so a threshold `warn` means severity_number >= 13 (the tail filter and NDJSON `severity`).

const NAMES: Readonly<Record<string, number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  fatal: 21,
  critical: 21,
};

const TEXTS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

/** The SeverityNumber of a level name (case-insensitive, `warn`, `WARNING`, `Error`...), or undefined. */
export function severityOfName(name: string): number | undefined {
  return NAMES[name.trim().toLowerCase()];
}

/** A valid SeverityNumber: an integer 1-24. */
export function isSeverityNumber(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 24;
}

/** The short text of a SeverityNumber's range (`WARN` for 13-16), for numbers sent without a text. */
export function severityText(n: number): string {
  return TEXTS[Math.min(5, Math.max(0, Math.floor((n - 1) / 4)))] ?? "INFO";
}

/** A threshold given as a name or a number (`warn`, `13`); undefined when it is neither. */
export function parseSeverityThreshold(v: string): number | undefined {
  const n = Number(v);
  if (v.trim() !== "" && Number.isFinite(n)) return isSeverityNumber(n) ? n : undefined;
  return severityOfName(v);
}

export const SEVERITY_NAMES = "trace, debug, info, warn, error, fatal";
