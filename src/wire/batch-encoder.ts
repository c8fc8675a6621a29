// Encodes one batch as a msgpack map: the header fields (small, varied: msgpackr) followed by the
// points, which the collector has already written with MsgpackWriter. The result is one standard
// msgpack map, the same a generic encoder would produce for the Batch object.
import type { BatchHeader } from "./batch.ts";
import { MsgpackWriter } from "./msgpack-writer.ts";
import { msgpack } from "./msgpack.ts";

export class BatchEncoder {
  private readonly out = new MsgpackWriter();

  /** `points` is the msgpack array of points rows, `events` that of event rows (if any). Returns a fresh copy of the encoded batch. */
  encode(header: BatchHeader, points: Uint8Array, events?: Uint8Array): Uint8Array {
    const w = this.out;
    w.reset();
    const entries = Object.entries(header).filter(([, v]) => v !== undefined);
    w.mapHeader(entries.length + (events ? 2 : 1));
    for (const [key, value] of entries) {
      w.string(key);
      if (typeof value === "number") w.number(value);
      else if (typeof value === "string") w.string(value);
      else w.raw(msgpack.pack(value));
    }
    w.string("points");
    w.raw(points);
    if (events) {
      // The msgpack array of event rows, written by the collector's event drain.
      w.string("events");
      w.raw(events);
    }
    return w.bytes();
  }
}
