// Encodes one batch as a msgpack map: the header fields (small, varied: msgpackr) followed by the
// points, which the collector has already written with MsgpackWriter. The result is one standard
// msgpack map, the same a generic encoder would produce for the Batch object.
import type { BatchHeader } from "./batch.ts";
import { MsgpackWriter } from "./msgpack-writer.ts";
import { msgpack } from "./msgpack.ts";

export class BatchEncoder {
  private readonly out = new MsgpackWriter();

  /** `points` is the msgpack array of points rows. Returns a fresh copy of the encoded batch. */
  encode(header: BatchHeader, points: Uint8Array): Uint8Array {
    const w = this.out;
    w.reset();
    const entries = Object.entries(header).filter(([, v]) => v !== undefined);
    w.mapHeader(entries.length + 1);
    for (const [key, value] of entries) {
      w.string(key);
      if (typeof value === "number") w.number(value);
      else if (typeof value === "string") w.string(value);
      else w.raw(msgpack.pack(value));
    }
    w.string("points");
    w.raw(points);
    return w.bytes();
  }
}
