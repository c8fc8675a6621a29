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
