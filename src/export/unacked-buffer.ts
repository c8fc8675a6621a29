// Batches handed to the server exporter and not yet acknowledged, bounded in bytes. Beyond the
// bound the oldest batches go first, with one exception: a batch that declares something (opens
// the stream, declares sets or series) loses only its points. It stays behind as a points-free
// batch with the same sequence number, so every later batch remains decodable by the server.
import type { Batch, BatchHeader } from "../wire/batch.ts";
import { encodeBatch } from "../wire/codec.ts";

export interface Entry {
  readonly stream: string;
  readonly seq: number;
  /** The batch without its points (the points are only in `bytes`). */
  batch: BatchHeader;
  bytes: Uint8Array;
  /** Declarations of the stream up to and including this batch, for resending them whole. */
  readonly setsThrough: number;
  readonly seriesThrough: number;
  /** True once its points were dropped (only declarations left). */
  stripped: boolean;
}

const declares = (b: BatchHeader): boolean => b.open !== undefined || (b.sets?.length ?? 0) > 0 || (b.series?.length ?? 0) > 0;

export class UnackedBuffer {
  readonly entries: Entry[] = [];
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get length(): number {
    return this.entries.length;
  }

  /** Adds a batch; returns how many batches lost their points to stay within the bound. */
  push(entry: Entry): number {
    this.entries.push(entry);
    this.bytes += entry.bytes.byteLength;
    return this.enforce();
  }

  private enforce(): number {
    let dropped = 0;
    for (let i = 0; this.bytes > this.maxBytes && i < this.entries.length; ) {
      const e = this.entries[i];
      // The newest batch stays: dropping what was just handed over to make room for itself helps nobody.
      if (i === this.entries.length - 1) break;
      if (e.stripped) {
        i++;
        continue;
      }
      dropped++;
      if (declares(e.batch)) {
        this.replace(e, { ...e.batch, points: [] });
        e.stripped = true;
        i++;
      } else {
        this.entries.splice(i, 1);
        this.bytes -= e.bytes.byteLength;
      }
    }
    return dropped;
  }

  /** Swaps an entry's batch (and so its bytes). */
  replace(e: Entry, batch: Batch): void {
    const bytes = encodeBatch(batch);
    this.bytes += bytes.byteLength - e.bytes.byteLength;
    e.batch = batch;
    e.bytes = bytes;
  }

  /** Removes every batch of `stream` with a sequence at or below `seq`. */
  ack(stream: string, seq: number): number {
    let removed = 0;
    for (let i = 0; i < this.entries.length; ) {
      const e = this.entries[i];
      if (e.stream === stream && e.seq <= seq) {
        this.entries.splice(i, 1);
        this.bytes -= e.bytes.byteLength;
        removed++;
      } else i++;
    }
    return removed;
  }

  /** Removes one entry (a batch the server refused for good). */
  remove(e: Entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) {
      this.entries.splice(i, 1);
      this.bytes -= e.bytes.byteLength;
    }
  }
}
