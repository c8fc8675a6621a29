// What the server knows about one stream while it is open: the sets and series it declared (so
// later batches can be decoded by small integers) and how far it has been stored.
import type { StreamOpen, WireSetDescriptor, AttrValue } from "../../wire/batch.ts";
import { seriesAttributes as wireSeriesAttributes } from "../../wire/stream-catalog.ts";
import type { EventCatalog } from "../../wire/event-catalog.ts";

export interface SetState {
  readonly index: number;
  readonly descriptor: WireSetDescriptor;
  /** Product of the measures' value counts (1 without measures). */
  readonly slots: number;
  readonly fieldCount: number;
  /** Expected array length of a histogram value per field (bounds + 2), 4 for mmsc, 0 for scalars. */
  readonly widths: readonly number[];
}

export interface SeriesState {
  readonly id: number;
  readonly set: number;
  /** null for the overflow instance. */
  readonly attrs: readonly AttrValue[] | null;
}

export type StreamKind = "batch" | "events";

export interface StreamState {
  /** Store-assigned numeric id, used in every point row. */
  readonly id: number;
  /** The wire stream id (batches) or a generated one (event connections). */
  readonly key: string;
  readonly kind: StreamKind;
  readonly open?: StreamOpen;
  readonly sets: SetState[];
  readonly series: Map<number, SeriesState>;
  /** Highest sequence committed to the store. */
  lastStored: number;
  /** Highest sequence accepted (validated, maybe still waiting for its commit). */
  lastAccepted: number;
  /** Points and events committed for this stream, cumulative. */
  stored: number;
  /** Stored + accepted but not committed; what `stored` becomes after the pending commit. */
  storedAccepted: number;
  /** When this server last accepted a batch of the stream (batch streams). */
  lastBatchAt?: number;
  /** Logged closed (connection ended, or idle); a later batch reopens it. */
  closed?: boolean;
  /**
   * Event groups and sources the stream declared (batch-events.ts). Kept in memory only: a stream
   * loaded from the store starts without them and the client repeats them when told
   * E_UNKNOWN_EVENT_SOURCE.
   */
  eventCatalog?: EventCatalog;
}

/** A stream seen for the first time: nothing declared, nothing stored. */
export function newStream(id: number, key: string, kind: StreamKind, open?: StreamOpen): StreamState {
  return { id, key, kind, ...(open ? { open } : {}), sets: [], series: new Map(), lastStored: 0, lastAccepted: 0, stored: 0, storedAccepted: 0 };
}

export function setState(index: number, descriptor: WireSetDescriptor): SetState {
  let slots = 1;
  for (const m of descriptor.measures) slots *= m.values.length;
  const widths = descriptor.fields.map((f) => (f.instrument === "histogram" ? (f.bounds?.length ?? 0) + 2 : f.instrument === "mmsc" ? 4 : 0));
  return { index, descriptor, slots, fieldCount: descriptor.fields.length, widths };
}

/** Attribute values of a series as a map (the wire's one rule: overflow series carry otel.metric.overflow=true). */
export function seriesAttributes(state: StreamState, series: SeriesState): Record<string, AttrValue> {
  return wireSeriesAttributes(state.sets[series.set].descriptor, series.attrs);
}
