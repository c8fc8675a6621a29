// The forwarders' own numbers, appended to the server's /metrics: per destination, samples sent,
// requests that failed and were retried, batches the receiver rejected, samples dropped past the
// pending cap, and the lag (seconds since the oldest unconfirmed commit was stored, and points
// waiting beyond the cursor).
import { labelPairs } from "../../exposition/prometheus-naming.ts";
import { renderFamily, type ExpositionFormat } from "../../exposition/prometheus-text.ts";

export class ForwardCounters {
  sentSamples = 0;
  sentRequests = 0;
  sentBytes = 0;
  /** Attempts that got a retryable answer (5xx, 429, network error, timeout). */
  failedRequests = 0;
  rejectedBatches = 0;
  rejectedSamples = 0;
  droppedSamples = 0;
  /** Resends the receiver answered `out of order sample`: the first send had been stored. */
  resentStored = 0;
  pendingPoints = 0;
  /** When the oldest pending commit was stored (ms); NaN when nothing is pending. */
  oldestPendingAt = NaN;

  sent(samples: number, bytes: number): void {
    this.sentSamples += samples;
    this.sentRequests++;
    this.sentBytes += bytes;
  }

  rejected(samples: number): void {
    this.rejectedBatches++;
    this.rejectedSamples += samples;
  }

  dropped(samples: number): void {
    this.droppedSamples += samples;
  }

  pending(points: number, oldestAt: number): void {
    this.pendingPoints = points;
    this.oldestPendingAt = points > 0 ? oldestAt : NaN;
  }

  lagSeconds(now = Date.now()): number {
    return Number.isNaN(this.oldestPendingAt) ? 0 : Math.max(0, (now - this.oldestPendingAt) / 1000);
  }
}

interface Counted {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly value: (c: ForwardCounters) => number;
}

const FAMILIES: readonly Counted[] = [
  { name: "percore_remote_write_sent_samples", type: "counter", help: "Samples the receiver confirmed (2xx)", value: (c) => c.sentSamples },
  { name: "percore_remote_write_sent_requests", type: "counter", help: "Requests the receiver confirmed (2xx)", value: (c) => c.sentRequests },
  { name: "percore_remote_write_sent_bytes", type: "counter", help: "Compressed bytes of confirmed requests", value: (c) => c.sentBytes },
  {
    name: "percore_remote_write_failed_requests",
    type: "counter",
    help: "Attempts answered 5xx, 429 or not at all; each was retried",
    value: (c) => c.failedRequests,
  },
  { name: "percore_remote_write_rejected_batches", type: "counter", help: "Requests the receiver refused with a 4xx; not retried", value: (c) => c.rejectedBatches },
  { name: "percore_remote_write_rejected_samples", type: "counter", help: "Samples in rejected requests", value: (c) => c.rejectedSamples },
  { name: "percore_remote_write_dropped_samples", type: "counter", help: "Samples skipped because more was pending than the cap", value: (c) => c.droppedSamples },
  {
    name: "percore_remote_write_resent_stored",
    type: "counter",
    help: "Resends answered out of order sample: the first send had been stored",
    value: (c) => c.resentStored,
  },
  { name: "percore_remote_write_lag_seconds", type: "gauge", help: "Age of the oldest stored commit not yet confirmed", value: (c) => c.lagSeconds() },
  { name: "percore_remote_write_lag_points", type: "gauge", help: "Stored points not yet confirmed by the receiver", value: (c) => c.pendingPoints },
];

/** The families' text (the exposition writer /metrics uses), to append to an exposition in `format`. */
export function renderForwardMetrics(destinations: readonly { destination: { name: string }; counters: ForwardCounters }[], format: ExpositionFormat): string {
  if (destinations.length === 0) return "";
  let out = "";
  for (const f of FAMILIES) {
    const samples = destinations.map((d) => ({ labels: labelPairs({ destination: d.destination.name }), value: f.value(d.counters), count: 0, buckets: null }));
    out += renderFamily({ name: f.name, type: f.type, help: f.help, unit: "", scale: 1, bounds: null, samples }, format);
  }
  return out;
}

/** Appends `extra` to an exposition body, keeping OpenMetrics' `# EOF` last. */
export function withForwardMetrics(body: string, extra: string): string {
  if (extra === "") return body;
  return body.endsWith("# EOF\n") ? body.slice(0, -"# EOF\n".length) + extra + "# EOF\n" : body + extra;
}
