// The storage interface. The server talks to storage only through this: the DuckDB implementation
// lives beside it, and a scale-out backend on a distributed engine can replace it without the
// ingest, query or exposition code noticing.
import type { StreamOpen } from "../../wire/batch.ts";
import type { ServerError } from "../errors.ts";
import type { PointRows } from "../ingest/point-rows.ts";
import type { SeriesState, SetState, StreamKind } from "../ingest/stream-state.ts";

export interface NewStream {
  readonly id: number;
  readonly key: string;
  readonly kind: StreamKind;
  readonly opened: number;
  readonly open?: StreamOpen;
  readonly headers?: Readonly<Record<string, string>>;
  readonly remote?: string;
}

export interface StoredEvent {
  readonly stream: number;
  /** ms since the epoch when it was received. */
  readonly time: number;
  /** `event_time` of the event (ms or ISO 8601 on input), if it carried one. */
  readonly eventTime: number | null;
  /** The client's `event_id`, or one the server generated (a UUIDv7) when it sent none. */
  readonly eventId: string;
  /** `event_type`, `event_name` when present. */
  readonly eventType: string | null;
  readonly eventName: string | null;
  /** OpenTelemetry SeverityNumber (1-24: 5 debug, 9 info, 13 warn, 17 error, 21 fatal) and its text, when known. */
  readonly severityNumber: number | null;
  readonly severityText: string | null;
  /** Entity attributes of the emitting instance as JSON text (schema events, OTLP log attributes), when any. */
  readonly attributes: string | null;
  /** The event object as JSON text: as received, or the typed fields of a schema event. */
  readonly payload: string;
  /**
   * The client chose `eventId` (NDJSON, WebSocket): the store skips the event when that id is
   * already stored. Unset for ids the server generated and for SDK batch events (their stream's
   * batch sequence already makes them exactly-once), which are appended without a lookup.
   */
  readonly clientId?: boolean;
  /**
   * SDK batch events: `eventId` is `<stream key>:<batchSeq>:<batchIndex>`, and the store keeps
   * these two numbers instead of the text (the `events` view puts it back together).
   */
  readonly batchSeq?: number;
  readonly batchIndex?: number;
}

export interface BatchRecord {
  readonly stream: number;
  readonly seq: number;
  readonly start: number;
  readonly end: number;
  readonly points: number;
}

/** Everything one commit writes. It is stored entirely or not at all. */
export interface CommitUnit {
  readonly streams: NewStream[];
  readonly sets: { stream: number; set: SetState }[];
  readonly series: { stream: number; series: SeriesState; setName: string; attributes: Record<string, unknown> | null }[];
  readonly points: PointRows;
  readonly batches: BatchRecord[];
  readonly events: StoredEvent[];
  /** Per stream: the highest sequence after this commit and the points it adds (events are counted by the store). */
  readonly progress: Map<number, { lastSeq: number; points: number }>;
  /** Streams logged closed at `time`, or reopened (`time` null: the stream is open again). */
  readonly closed: { stream: number; time: number | null }[];
}

export interface CommitResult {
  /** Events actually inserted per stream (duplicates by event_id are not). */
  readonly eventsStored: Map<number, number>;
  /** The events actually inserted, in commit order (what the live tail shows). */
  readonly events?: readonly StoredEvent[];
}

export interface LoadedStream {
  readonly id: number;
  readonly key: string;
  readonly kind: StreamKind;
  readonly open?: StreamOpen;
  readonly sets: SetState[];
  readonly series: SeriesState[];
  readonly lastSeq: number;
  readonly stored: number;
  /** Stored as closed (its next batch reopens it). */
  readonly closed: boolean;
}

export interface QueryResult {
  readonly columns: { name: string; type: string }[];
  readonly rows: unknown[][];
  /** True when the result was cut: more rows existed than `maxRows`, or more bytes than the result limit. */
  readonly truncated: boolean;
  /** Which limit cut it. */
  readonly truncatedBy?: "max_rows" | "max_result_bytes";
}

/** One aggregated row of cumulative state, for the Prometheus view. */
export interface CumulativeRow {
  readonly stream: number;
  readonly series: number;
  readonly slot: number;
  readonly field: number;
  /** counter/histogram/mmsc: sum of deltas; gauge/upDownCounter: last value. */
  readonly value: number;
  readonly count: number;
  readonly buckets: readonly number[] | null;
  readonly time: number;
}

export interface SeriesQuery {
  readonly metric: string;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
}

/** Rows of one metric per (step, stream, series, slot): already reduced inside each step. */
export interface SeriesRow {
  readonly bucket: number;
  readonly stream: number;
  readonly series: number;
  readonly slot: number;
  readonly set: number;
  readonly instrument: string;
  readonly sum: number;
  readonly last: number;
  readonly avg: number;
  readonly count: number;
  readonly buckets: readonly number[] | null;
}

/** A series in the Prometheus data model: its full label set, `__name__` included. */
export interface PromSeries {
  readonly id: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface PromMetadata {
  readonly metric: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

/** One remote-write request's worth of samples, stored in one transaction. */
export interface SampleUnit {
  /** Series seen for the first time. */
  readonly series: PromSeries[];
  readonly length: number;
  readonly ids: ArrayLike<number>;
  /** ms since the epoch. */
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  /** 1 where the sample is a staleness marker (stored as NULL). */
  readonly stale: ArrayLike<number>;
  readonly metadata: PromMetadata[];
}

/** A remote-write destination's position in the commit order (commits that stored batches: 1, 2, ...). */
export interface ForwardCursor {
  /** The last commit the receiver confirmed. */
  readonly confirmed: number;
  /** The last commit of a request sent and not confirmed yet (equal to `confirmed` when none is). */
  readonly inflight: number;
}

/** The next request's commits, and what waits beyond the cursor. */
export interface ForwardSpan {
  /** Last commit of the span (equal to `after` when nothing is pending). */
  readonly to: number;
  /** Points in the span. */
  readonly points: number;
  /** Points in every commit after `after`. */
  readonly pendingPoints: number;
  /** When the oldest pending commit was stored (ms), NaN when none is. */
  readonly oldestPendingAt: number;
}

export interface Store {
  /** Highest stream id in use; new ids continue from it. */
  maxStreamId(): Promise<number>;
  loadStream(key: string): Promise<LoadedStream | undefined>;
  /** Every batch stream with its declarations, for rebuilding the cumulative view at start. */
  loadAllBatchStreams(): Promise<LoadedStream[]>;
  commit(unit: CommitUnit): Promise<CommitResult>;
  /**
   * Runs one read-only statement on a connection of its own, within the store's query limits
   * (deadline, concurrency, result bytes); anything else is refused with E_READ_ONLY.
   */
  query(sql: string, options?: { maxRows?: number }): Promise<QueryResult>;
  cumulative(): Promise<CumulativeRow[]>;
  /** A user query too: same limits as `query`. */
  series(q: SeriesQuery): Promise<SeriesRow[]>;
  /** Interrupts every running user query and refuses new ones (shutdown); resolves once they have returned. */
  interruptQueries(): Promise<unknown>;
  /** Every Prometheus-model series and metadata entry, for the in-memory index built at start. */
  loadPromSeries(): Promise<{ series: PromSeries[]; metadata: PromMetadata[] }>;
  appendSamples(unit: SampleUnit): Promise<void>;
  /** Internal parameterised read (the PromQL evaluator's), interrupted after `timeoutMs`. */
  readRows(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<unknown[][]>;
  /** The same for statements whose columns are all DOUBLE: one Float64Array per column, NULL as NaN. */
  readDoubleColumns(sql: string, params: Record<string, string | number>, timeoutMs: number): Promise<Float64Array[]>;
  /** Number of the newest commit that stored batches (0 when none has). */
  lastCommit(): number;
  /** A remote-write destination's cursor; a new destination starts at the newest commit. */
  forwardCursor(destination: string): Promise<ForwardCursor>;
  saveForwardCursor(destination: string, cursor: ForwardCursor): Promise<void>;
  /** The next span of whole commits in (after, upTo], up to `maxPoints` points (at least one commit). */
  forwardSpan(after: number, upTo: number, maxPoints: number): Promise<ForwardSpan>;
  /** The points commits (after, to] stored, ordered by time, stream, series, slot, field: the same rows every time. */
  forwardPoints(after: number, to: number): Promise<PointRows>;
  /** The cumulative state as it stood after commit `upTo`. */
  cumulativeAt(upTo: number): Promise<CumulativeRow[]>;
  /** Deletes points, batches and events older than `before` (ms); returns the rows removed. */
  deleteOlderThan(before: number): Promise<number>;
  close(): Promise<void>;
}

/** Thrown by a store for a refused or failed query, so the caller gets the error value and its status. */
export class StoreError extends Error {
  constructor(readonly error: ServerError) {
    super(error.message);
  }
}
