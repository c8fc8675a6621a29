// Input limits: what a well-behaved client never reaches and a hostile one cannot exceed.
// Each limit has its own error code so a client can tell which one it hit.

export interface Limits {
  /** Largest request body or WebSocket message, bytes (`--max-body`). */
  readonly maxBody: number;
  /** Longest string anywhere in a batch's declarations (names, attribute values, briefs). */
  readonly maxString: number;
  /** Deepest JSON nesting in an event. */
  readonly maxDepth: number;
  /** Longest NDJSON line, bytes. */
  readonly maxLine: number;
  /** Sets, series, fields, measures, histogram bounds declared per stream. */
  readonly maxSets: number;
  readonly maxSeries: number;
  readonly maxFields: number;
  readonly maxSlots: number;
  readonly maxBounds: number;
  /**
   * NDJSON/WebSocket events must carry event_id, event_time, event_type and event_name (the
   * activity-events format); `false` (`--event-fields optional`) accepts them without, as before
   * (an id is generated), for clients written against the older server.
   */
  readonly requireEventFields: boolean;
  /** Batches accepted but not yet committed, bytes; beyond it ingest answers 503 E_BUSY. */
  readonly maxPendingBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBody: 16 * 1024 * 1024,
  maxString: 4096,
  maxDepth: 64,
  maxLine: 1024 * 1024,
  maxSets: 10_000,
  maxSeries: 1_000_000,
  maxFields: 1_000,
  maxSlots: 100_000,
  maxBounds: 1_000,
  requireEventFields: true,
  maxPendingBytes: 256 * 1024 * 1024,
};
