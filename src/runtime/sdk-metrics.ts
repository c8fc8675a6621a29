// The SDK's own metrics, reported like any user metric set so that losses are never silent:
// values dropped at record time (NaN, infinities, negative counter adds), instances folded into
// overflow instances, batches an exporter had to drop.
import type { MetricSetDescriptor } from "../schema/descriptor.ts";
import { fieldWidth } from "../schema/layout.ts";

// Counters are [low, high] (see layout.ts); these counts never get near 2^52, so plain += on low is exact.
export const SDK_INVALID = 0;
export const SDK_OVERFLOWED = 2;
export const SDK_DROPPED = 4;

const field = (key: string, name: string, unit: string, brief: string, offset: number) =>
  ({ name, key, instrument: "counter", unit, brief, valueType: "int", stability: "development", offset, width: fieldWidth("counter", 0, "int") }) as const;

export const SDK_DESCRIPTOR: MetricSetDescriptor = {
  name: "percore.sdk",
  brief: "Health of the telemetry SDK itself",
  schemaHash: "percore-sdk-v1",
  attributes: [],
  measures: [],
  fields: [
    field(
      "invalidValues",
      "percore.sdk.invalid.values",
      "{value}",
      "Recorded values dropped as invalid (NaN, infinities, negative counter adds, unknown enum values, non-numbers)",
      SDK_INVALID,
    ),
    field(
      "overflowedInstances",
      "percore.sdk.overflowed.instances",
      "{instance}",
      "Instances folded into the overflow instance because a thread hit its instance limit",
      SDK_OVERFLOWED,
    ),
    field("droppedBatches", "percore.sdk.export.dropped.batches", "{batch}", "Batches an exporter dropped (buffer full or permanent error)", SDK_DROPPED),
  ],
  stride: 6,
  slots: 1,
  maxInstances: 1,
};

// Per event name (entity attribute `event.name`, one instance per name on the collector's
// thread): events lost before they reached the wire. Int counters, [low, high] at these offsets.
export const SDK_EVENTS_DROPPED = 0;
export const SDK_EVENTS_INVALID = 2;

export const SDK_EVENTS_DESCRIPTOR: MetricSetDescriptor = {
  name: "percore.sdk.events",
  brief: "Events the SDK could not record",
  schemaHash: "percore-sdk-events-v1",
  attributes: [{ name: "event.name", key: "eventName", type: "string", brief: "Name of the event" }],
  measures: [],
  fields: [
    field("dropped", "percore.sdk.events.dropped", "{event}", "Events dropped because the emitting thread's ring was full (the newest are dropped)", SDK_EVENTS_DROPPED),
    field("invalid", "percore.sdk.events.invalid", "{event}", "Events dropped because an untyped caller passed a field of the wrong type", SDK_EVENTS_INVALID),
  ],
  stride: 4,
  slots: 1,
  maxInstances: 100_000,
};
