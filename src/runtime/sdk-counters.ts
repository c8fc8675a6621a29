// Writers for the SDK's own counters from code running on a thread (exporters, the collector).
import { SDK_DROPPED, SDK_INVALID } from "./sdk-metrics.ts";
import { threadRegistry } from "./thread-registry.ts";

/** Counts batches an exporter had to drop; reported as percore.sdk.export.dropped.batches. */
export function countDroppedBatches(n = 1): void {
  threadRegistry().sdkCounters()[SDK_DROPPED] += n;
}

/** Counts recorded values dropped as invalid; reported as percore.sdk.invalid.values. */
export function countInvalidValues(n: number): void {
  threadRegistry().sdkCounters()[SDK_INVALID] += n;
}
