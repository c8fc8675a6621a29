// What the collector hands to exporters after every flush that produced something.
import type { Batch } from "../wire/batch.ts";

export interface ExportBatch {
  readonly batch: Batch;
  /** The same batch, msgpack-encoded once by the collector (see src/wire/codec.ts). */
  readonly bytes: Uint8Array;
}

export interface Exporter {
  /**
   * Called once per non-empty flush, in sequence order, on the collector's thread. Must not throw
   * and should not block: delivery, retries and buffering are the exporter's business.
   */
  export(batch: ExportBatch): void;
  /** Resolves when everything handed over so far is delivered (or given up on). */
  forceFlush?(): Promise<void>;
  /** Delivers what is pending, then releases resources. */
  shutdown?(): Promise<void>;
}
