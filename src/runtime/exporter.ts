// What the collector hands to exporters after every flush that produced something.
import type { Batch, BatchHeader } from "../wire/batch.ts";
import { decodeBatch, encodeBatch } from "../wire/codec.ts";

export interface ExportBatch {
  /** Everything but the points: stream, seq, interval, and the declarations this batch makes. */
  readonly header: BatchHeader;
  /** The whole batch, msgpack-encoded once by the collector (see src/wire/batch-encoder.ts). */
  readonly bytes: Uint8Array;
  /** The whole batch decoded from `bytes` (decoded on first access; the hot flush path never needs it). */
  readonly batch: Batch;
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

/** An ExportBatch for a batch built by hand (tests, tools); the collector encodes its own. */
export function exportBatchOf(batch: Batch): ExportBatch {
  return { header: batch, bytes: encodeBatch(batch), batch };
}

/** A batch as the collector (or a thread collector's handle) hands it over; decoded only if someone asks. */
export class EncodedBatch implements ExportBatch {
  readonly header: BatchHeader;
  readonly bytes: Uint8Array;
  private decoded: Batch | undefined;
  constructor(header: BatchHeader, bytes: Uint8Array) {
    this.header = header;
    this.bytes = bytes;
  }
  get batch(): Batch {
    this.decoded ??= decodeBatch(this.bytes);
    return this.decoded;
  }
}
