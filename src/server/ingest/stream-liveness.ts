// When streams end. A WebSocket's close ends the streams it carried; an HTTP keep-alive
// connection's close ends its event stream; an HTTP batch stream, which has no end-of-stream
// signal, ends after `--stream-idle` without a batch. An ended stream is stored as closed and
// then dropped from memory (its next batch loads it again and logs it reopened).
import type { EventStreamHandle } from "./event-ingest.ts";
import type { IngestCore } from "./ingest-core.ts";
import type { StreamState } from "./stream-state.ts";

export class StreamLiveness {
  /** WebSocket connections currently carrying each batch stream: those never close for idleness. */
  private readonly carriers = new Map<string, number>();

  constructor(
    private readonly core: IngestCore,
    private readonly stopped: () => boolean,
  ) {}

  /** Marks an event stream closed (its connection ended). */
  closeEvents(handle: EventStreamHandle): void {
    if (!handle.state || handle.closed) return;
    handle.closed = true;
    this.closeStream(handle.state);
  }

  /** Marks a stream closed (the connection carrying it ended, or it went idle); a batch stream reopens on its next batch. */
  closeStream(state: StreamState, why = ""): void {
    if (this.stopped() || state.closed) return;
    const { queue, cache, hooks } = this.core;
    state.closed = true;
    queue.current.closed.push({ stream: state.id, time: Date.now() });
    queue.current.touched.add(state.key);
    hooks.log(`stream closed ${state.key} (${state.kind}${why ? `, ${why}` : ""}) stored=${state.storedAccepted || state.stored}`);
    // Forget it once the close is stored, unless it came back meanwhile or holds uncommitted batches.
    const forget = () => {
      if (state.closed && cache.get(state.key) === state && state.lastStored >= state.lastAccepted && !this.carriers.has(state.key)) cache.forget(state.key);
    };
    queue.wait().then(forget, () => undefined);
  }

  /** A WebSocket connection started (+1) or stopped (-1) carrying `key`; returns how many carry it now. */
  carry(key: string, delta: 1 | -1): number {
    const n = (this.carriers.get(key) ?? 0) + delta;
    if (n > 0) this.carriers.set(key, n);
    else this.carriers.delete(key);
    return Math.max(n, 0);
  }

  /** Closes every batch stream that no WebSocket carries and that sent nothing for `idleMs`. */
  closeIdle(idleMs: number, now = Date.now()): void {
    for (const s of this.core.cache.open.values()) {
      if (s.kind !== "batch" || s.closed || s.lastBatchAt === undefined || this.carriers.has(s.key)) continue;
      if (now - s.lastBatchAt >= idleMs) this.closeStream(s, `idle ${Math.round((now - s.lastBatchAt) / 1000)} s`);
    }
  }
}
