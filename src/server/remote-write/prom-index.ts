// The in-memory index of Prometheus-model series (remote write): label set -> id, so a request's
// samples get their series ids without a store round trip. Loaded from the store at start; a
// series row is written by the first commit that references it (commits run one at a time).
import type { PromMetadata, PromSeries, Store } from "../store/store.ts";

/** Canonical text of a label set: names sorted, so equal sets have equal keys. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  let out = "";
  for (const n of names) out += `${n}\u0000${labels[n]}\u0001`;
  return out;
}

export class PromIndex {
  private readonly byKey = new Map<string, PromSeries>();
  private readonly committed = new Set<number>();
  readonly metadata = new Map<string, PromMetadata>();
  private nextId = 1;

  static async load(store: Store): Promise<PromIndex> {
    const index = new PromIndex();
    const { series, metadata } = await store.loadPromSeries();
    for (const s of series) {
      index.byKey.set(labelsKey(s.labels), s);
      index.committed.add(s.id);
      index.nextId = Math.max(index.nextId, s.id + 1);
    }
    for (const m of metadata) index.metadata.set(m.metric, m);
    return index;
  }

  /** The id of a label set, assigned now if it is new. */
  idOf(labels: Readonly<Record<string, string>>): number {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = { id: this.nextId++, labels }));
    return s.id;
  }

  /** Of `ids`, the series whose rows are not stored yet (called inside the commit, in order). */
  unstored(ids: ArrayLike<number>): PromSeries[] {
    const wanted = new Set<number>();
    // A series' samples are consecutive: one look-up per run of equal ids.
    for (let i = 0; i < ids.length; i++) if ((i === 0 || ids[i] !== ids[i - 1]) && !this.committed.has(ids[i])) wanted.add(ids[i]);
    if (wanted.size === 0) return [];
    const out: PromSeries[] = [];
    for (const s of this.byKey.values()) if (wanted.has(s.id)) out.push(s);
    return out;
  }

  markStored(series: readonly PromSeries[]): void {
    for (const s of series) this.committed.add(s.id);
  }
}
