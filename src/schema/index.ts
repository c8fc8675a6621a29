// The schema language: import these in your schema.ts and run `telemetry-codegen schema.ts`.
export { counter, upDownCounter, gauge, histogram, mmsc } from "./instruments.ts";
export type { InstrumentKind, InstrumentOptions, HistogramOptions, InstrumentSpec, ValueType, Stability } from "./instruments.ts";
export { attributes, str, int, double, bool, oneOf } from "./attributes.ts";
export type { AttributeSpec, AttributeSetSpec, AttributeType, EnumSpec, AttributeOptions } from "./attributes.ts";
export { metricSet } from "./metric-set.ts";
export type { MetricSetSpec, MetricSetOptions } from "./metric-set.ts";
export type { MetricSetDescriptor, FieldDescriptor, EntityAttributeDescriptor, MeasureDescriptor } from "./descriptor.ts";
export { events, event } from "./events.ts";
export type { EventSpec, EventOptions, EventGroupSpec, EventGroupOptions, EventFieldSpec, Severity } from "./events.ts";
export type { EventGroupDescriptor, EventDescriptor, EventFieldDescriptor } from "./event-descriptor.ts";
