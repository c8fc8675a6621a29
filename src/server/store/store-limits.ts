// What one user query, and all of them together, may take from the server (docs/server.md#limits).
// A query past a limit is answered with an error; ingest never waits for a query.

export interface StoreLimits {
  /** A user query (SQL or /api/v1/series) is interrupted after this long (`--query-timeout`). */
  readonly queryTimeoutMs: number;
  /** User queries running at once; one more is refused with E_TOO_MANY_QUERIES (`--max-queries`). */
  readonly maxQueries: number;
  /** Largest query result, bytes of JSON rows (`--max-result-bytes`). */
  readonly maxResultBytes: number;
  /** DuckDB's memory_limit for the whole instance, bytes (`--memory-limit`). */
  readonly memoryLimit: number;
  /** DuckDB's max_temp_directory_size: how much a query may spill to disk, bytes (`--max-temp-size`). */
  readonly maxTempDirectorySize: number;
  /**
   * DuckDB's checkpoint_threshold, bytes (`--checkpoint-threshold`): the write-ahead log grows to
   * this before a checkpoint compresses its rows into the file. DuckDB's 16 MiB checkpointed every
   * ~100,000 events and recompressed the last partial row group each time; 64 MiB stored 1.4x the
   * events per second for less CPU (docs/server.md, "Checkpoints"). More means a longer WAL replay
   * after a crash.
   */
  readonly checkpointThreshold: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  queryTimeoutMs: 30_000,
  maxQueries: 4,
  maxResultBytes: 64 * 1024 * 1024,
  memoryLimit: 1024 ** 3,
  maxTempDirectorySize: 4 * 1024 ** 3,
  checkpointThreshold: 64 * 1024 ** 2,
};
