// Encodes one batch as a msgpack map: the header fields (small, varied: msgpackr) followed by the
// points, which the collector has already written with MsgpackWriter. The result is one standard
// msgpack map, the same a generic encoder would produce for the Batch object.
import type { BatchHeader } from "./batch.ts";
import { MsgpackWriter } from "./msgpack-writer.ts";
import { msgpack } from "./msgpack.ts";

/** The msgpack string "events" (a fixstr). */
const EVENTS_KEY = Uint8Array.of(0xa0 | 6, ...Buffer.from("events"));

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
    // The result is assembled once: header, then the points (most of the batch) and events copied
    // straight into it, not first appended here and then copied out again.
    const head = w.written();
    const out = new Uint8Array(head.length + points.length + (events ? EVENTS_KEY.length + events.length : 0));
    out.set(head, 0);
    out.set(points, head.length);
    // The msgpack array of event rows, written by the collector's event drain.
    if (events) out.set(EVENTS_KEY, head.length + points.length), out.set(events, head.length + points.length + EVENTS_KEY.length);
    return out;
  }
}
