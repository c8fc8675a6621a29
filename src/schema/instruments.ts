// The instruments a metric set may declare. These functions only describe; the codegen reads the
// calls statically (the schema file is never executed), and running them just returns the spec.

export type InstrumentKind = "counter" | "upDownCounter" | "gauge" | "histogram" | "mmsc";
export type ValueType = "int" | "double";
export type Stability = "development" | "alpha" | "beta" | "release_candidate" | "stable";

export interface InstrumentOptions {
  /** UCUM unit, e.g. "ms", "By", "{request}", "1". Required. */
  readonly unit: string;
  /** One sentence saying what is measured. Required. */
  readonly brief: string;
  /** Full metric name; defaults to `<set name>.<property in snake case>`. */
  readonly name?: string;
  /** Value type reported to consumers; default "double". */
  readonly value?: ValueType;
  /** Semantic-convention stability; default "development". */
  readonly stability?: Stability;
  /** Longer note for the docs. */
  readonly note?: string;
}

export interface HistogramOptions extends InstrumentOptions {
  /** Upper bounds (inclusive) of the buckets, finite and strictly increasing. */
  readonly bounds: readonly number[];
}

export interface InstrumentSpec<K extends InstrumentKind = InstrumentKind> {
  readonly kind: K;
  readonly options: K extends "histogram" ? HistogramOptions : InstrumentOptions;
}

/** Monotonic sum: `inc()`, `add(n >= 0)`; exported as deltas. */
export const counter = (options: InstrumentOptions): InstrumentSpec<"counter"> => ({ kind: "counter", options });
/** Non-monotonic sum: `add(n)`; exported as its cumulative value. */
export const upDownCounter = (options: InstrumentOptions): InstrumentSpec<"upDownCounter"> => ({ kind: "upDownCounter", options });
/** Last value: `set(v)`; exported when it changed. */
export const gauge = (options: InstrumentOptions): InstrumentSpec<"gauge"> => ({ kind: "gauge", options });
/** Explicit-bucket histogram: `record(v)`; bucket counts and sum exported as deltas. */
export const histogram = (options: HistogramOptions): InstrumentSpec<"histogram"> => ({ kind: "histogram", options });
/** Min, max, sum and count per interval: `record(v)`. */
export const mmsc = (options: InstrumentOptions): InstrumentSpec<"mmsc"> => ({ kind: "mmsc", options });

export const INSTRUMENT_FUNCTIONS: Readonly<Record<string, InstrumentKind>> = {
  counter: "counter",
  upDownCounter: "upDownCounter",
  gauge: "gauge",
  histogram: "histogram",
  mmsc: "mmsc",
};
