// The declarations of one stream, as its batches make them: the resource (first batch), the set
// descriptors (appended, referred to by index) and the series (id -> set and entity attributes).
// The one reader of that bookkeeping: the decoding reader, the OTLP mapping, the SDK's Prometheus
// state, the server exporter (which replays declarations after a reconnect) and the server all
// name a series' attributes through seriesAttributes() below.
import type { AttrValue, BatchHeader, Resource, SeriesDecl, StreamOpen, WireSetDescriptor } from "./batch.ts";
import { WireError } from "./wire-error.ts";

/** The attribute of the overflow series (the OpenTelemetry convention), on every path. */
export const OVERFLOW_ATTRIBUTE = "otel.metric.overflow";

export interface CatalogSeries {
  readonly id: number;
  readonly set: WireSetDescriptor;
  /** Entity attributes by name; `{ "otel.metric.overflow": true }` for the overflow series. */
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly overflow: boolean;
}

/**
 * A series' attributes by name. Values come in the set's attribute order; in the "thread" view
 * the thread id is the last value (its name is `thread.id` when the set does not list it). The
 * overflow instance has no values: it is `{ "otel.metric.overflow": true }`.
 */
export function seriesAttributes(set: { readonly attributes: readonly { readonly name: string }[] }, values: readonly AttrValue[] | null): Record<string, AttrValue> {
  if (values === null) return { [OVERFLOW_ATTRIBUTE]: true };
  const out: Record<string, AttrValue> = {};
  values.forEach((v, i) => (out[set.attributes[i]?.name ?? "thread.id"] = v));
  return out;
}

export class StreamCatalog {
  open: StreamOpen | undefined;
  readonly sets: WireSetDescriptor[] = [];
  /** Series declarations in the order the stream made them (what a resend must repeat). */
  readonly decls: SeriesDecl[] = [];
  private readonly byId = new Map<number, CatalogSeries>();

  get resource(): Resource | undefined {
    return this.open?.resource;
  }

  /**
   * Takes in a batch's declarations and returns the series it declared. A series referring to a
   * set the stream has not declared is skipped and reported as the returned error (the decoding
   * reader throws it; exporters, which must not throw, skip it).
   */
  declare(batch: BatchHeader): { series: CatalogSeries[]; error?: WireError } {
    if (batch.open) this.open = batch.open;
    if (batch.sets) this.sets.push(...batch.sets);
    const series: CatalogSeries[] = [];
    let error: WireError | undefined;
    for (const decl of batch.series ?? []) {
      const [id, setIndex, values] = decl;
      const set = this.sets[setIndex];
      if (!set) {
        error ??= new WireError("E_UNKNOWN_SET", `series ${id} refers to set ${setIndex}, which the stream has not declared`);
        continue;
      }
      const s: CatalogSeries = { id, set, attributes: seriesAttributes(set, values), overflow: values === null };
      this.byId.set(id, s);
      this.decls.push(decl);
      series.push(s);
    }
    return error ? { series, error } : { series };
  }

  series(id: number): CatalogSeries | undefined {
    return this.byId.get(id);
  }
}
