import type { AttributeSetSpec, EnumSpec } from "./attributes.ts";
import type { InstrumentSpec } from "./instruments.ts";

export interface MetricSetOptions {
  /** Entity attributes: fixed per instance, sent once when the instance first appears. */
  readonly attributes?: AttributeSetSpec;
  /** Measurement attributes: bounded enums chosen per recording; their product must fit the cardinality budget. */
  readonly measure?: Readonly<Record<string, EnumSpec>>;
  readonly metrics: Readonly<Record<string, InstrumentSpec>>;
  readonly brief?: string;
  /** Live instances per worker thread before new ones fold into the overflow instance (default 2000). */
  readonly maxInstances?: number;
}

export interface MetricSetSpec {
  readonly kind: "metricSet";
  readonly name: string;
  readonly options: MetricSetOptions;
}

/** A multivariate metric set: several instruments recorded together under the same attributes. */
export const metricSet = (name: string, options: MetricSetOptions): MetricSetSpec => ({ kind: "metricSet", name, options });
