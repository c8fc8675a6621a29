// Writer for the SDK's own drop counter from code running on a thread (exporters, the collector).
import { SDK_DROPPED } from "./sdk-metrics.ts";
import { threadRegistry } from "./thread-registry.ts";

/** Counts batches an exporter had to drop; reported as percore.sdk.export.dropped.batches. */
export function countDroppedBatches(n = 1): void {
  threadRegistry().sdkCounters()[SDK_DROPPED] += n;
}
