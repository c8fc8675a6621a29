// The retry delay every exporter uses: exponential from `initial`, capped at `max`, with ±20%
// jitter so that many exporters cut off by the same outage do not retry in step.

export interface Backoff {
  readonly initial: number;
  readonly max: number;
}

/** The delay before retry number `attempt` (1 for the first retry), in ms. */
export function backoffDelay(b: Backoff, attempt: number): number {
  return Math.min(b.initial * 2 ** Math.max(attempt - 1, 0), b.max) * (0.8 + Math.random() * 0.4);
}
