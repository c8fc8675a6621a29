// An exporter for tests: decodes every batch and folds what the stream says into running totals
// per point identity, with the wire's own fold rule (src/wire/fold.ts).
import type { Exporter, ExportBatch } from "../../src/runtime/exporter.ts";
import { decodeBatch } from "../../src/wire/codec.ts";
import { foldWire, type Running } from "../../src/wire/fold.ts";
import { StreamReader, type DecodedPoint } from "../../src/wire/stream-reader.ts";

export const pointId = (p: Pick<DecodedPoint, "metric" | "attributes" | "measures">): string => `${p.metric}${JSON.stringify(p.attributes)}${JSON.stringify(p.measures)}`;

export class TotalsExporter implements Exporter {
  readonly reader = new StreamReader();
  readonly totals = new Map<string, Running>();
  readonly last = new Map<string, number | readonly number[]>();
  readonly points: DecodedPoint[] = [];
  batches = 0;
  keepPoints = false;

  export({ bytes }: ExportBatch): void {
    // Decode the bytes, not the object: this proves the msgpack round trip too.
    const points = this.reader.read(decodeBatch(bytes));
    this.batches++;
    for (const p of points) {
      if (this.keepPoints) this.points.push(p);
      const id = pointId(p);
      this.last.set(id, p.value);
      let r = this.totals.get(id);
      if (!r) this.totals.set(id, (r = { value: 0, count: 0, buckets: null }));
      foldWire(r, p.instrument, p.value);
    }
  }

  /** The total of a counter, or with suffix ":sum" / ":count" a histogram's or mmsc's, or ":b<i>" a histogram bucket's. */
  total(metric: string, attributes: object, measures: object = {}, suffix = ""): number {
    const r = this.totals.get(pointId({ metric, attributes: attributes as never, measures: measures as never }));
    if (!r) return 0;
    if (suffix === ":count") return r.count;
    if (suffix.startsWith(":b")) return r.buckets?.[Number(suffix.slice(2))] ?? 0;
    return r.value;
  }
}
