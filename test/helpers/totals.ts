// An exporter for tests: decodes every batch and adds up what the stream says, per point identity.
import type { Exporter, ExportBatch } from "../../src/runtime/exporter.ts";
import { decodeBatch } from "../../src/wire/codec.ts";
import { StreamReader, type DecodedPoint } from "../../src/wire/stream-reader.ts";

export const pointId = (p: Pick<DecodedPoint, "metric" | "attributes" | "measures">): string =>
  `${p.metric}${JSON.stringify(p.attributes)}${JSON.stringify(p.measures)}`;

export class TotalsExporter implements Exporter {
  readonly reader = new StreamReader();
  readonly totals = new Map<string, number>();
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
      if (p.instrument === "counter") this.add(id, p.value as number);
      else if (p.instrument === "histogram") {
        const v = p.value as readonly number[];
        this.add(id + ":sum", v[0]);
        this.add(id + ":count", v.slice(1).reduce((a, b) => a + b, 0));
        v.slice(1).forEach((c, i) => this.add(`${id}:b${i}`, c));
      } else if (p.instrument === "mmsc") {
        const v = p.value as readonly number[];
        this.add(id + ":count", v[0]);
        this.add(id + ":sum", v[1]);
      }
    }
  }

  private add(id: string, v: number): void {
    this.totals.set(id, (this.totals.get(id) ?? 0) + v);
  }

  total(metric: string, attributes: object, measures: object = {}, suffix = ""): number {
    return this.totals.get(pointId({ metric, attributes: attributes as never, measures: measures as never }) + suffix) ?? 0;
  }
}
