// What every exporter does with its options and its losses, in one place:
// - options are checked at construction; a bad one is a TypeError naming the option, with an
//   example (after construction an exporter never throws: issue #8);
// - what shutdown leaves undelivered is said once on stderr: how much, to where, and why.

/** Checks one option; throws `TypeError("<Exporter>: option <name> ...")` when it is wrong. */
export class OptionChecker {
  private readonly exporter: string;
  constructor(exporter: string) {
    this.exporter = exporter;
  }

  fail(name: string, got: unknown, expected: string, example: string): never {
    throw new TypeError(`${this.exporter}: option ${name} must be ${expected}, got ${describe(got)}; for example ${name}: ${example}`);
  }

  /** An absolute http:// or https:// URL. */
  httpUrl(name: string, value: unknown, example: string): string {
    let url: URL | undefined;
    try {
      url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) this.fail(name, value, "an absolute http:// or https:// URL", JSON.stringify(example));
    return value as string;
  }

  /** A finite number >= min (integers only when `integer`); undefined gives the default. */
  number(name: string, value: unknown, fallback: number, min: number, example: number, integer = false): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !(value >= min) || value === Infinity || (integer && !Number.isInteger(value))) {
      this.fail(name, value, `a${integer ? "n integer" : " finite number"} >= ${min}`, String(example));
    }
    return value;
  }

  oneOf<const T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) this.fail(name, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`, JSON.stringify(allowed[0]));
    return value as T;
  }

  string(name: string, value: unknown, example: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string") this.fail(name, value, "a string", JSON.stringify(example));
    return value;
  }

  /** `{ initial, max }` backoff in ms, both > 0 and initial <= max. */
  backoff(name: string, value: unknown, fallback: { initial: number; max: number }): { initial: number; max: number } {
    if (value === undefined) return fallback;
    const v = value as { initial?: unknown; max?: unknown };
    const ok =
      typeof v === "object" && v !== null && typeof v.initial === "number" && typeof v.max === "number" && v.initial > 0 && v.initial <= v.max && v.max < Infinity;
    if (!ok) this.fail(name, value, "{ initial, max } in ms with 0 < initial <= max", `{ initial: ${fallback.initial}, max: ${fallback.max} }`);
    return { initial: v.initial as number, max: v.max as number };
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
  return String(v);
}

export interface Undelivered {
  readonly batches: number;
  readonly points: number;
  readonly to: string;
  readonly why: string;
}

/** The one stderr line for data an exporter could not deliver before shutdown returned. */
export function undeliveredLine(exporter: string, u: Undelivered): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `percore: ${exporter}: ${plural(u.points, "point")} in ${plural(u.batches, "batch").replace("batchs", "batches")} not delivered to ${u.to} at shutdown: ${u.why}`;
}

/** Data points in the points rows of a batch ([id, key, value, key, value, ...] per series). */
export function pointCount(points: readonly (readonly unknown[])[]): number {
  let n = 0;
  for (const row of points) n += (row.length - 1) >> 1;
  return n;
}
