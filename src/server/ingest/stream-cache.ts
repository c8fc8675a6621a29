// The streams the server holds in memory: every open stream, keyed by its wire key, and nothing
// more. A closed stream is forgotten once its close is committed and loaded again from the store
// when it sends again, so memory follows the open streams, not every stream ever seen.
import type { LoadedStream, Store } from "../store/store.ts";
import type { StreamState } from "./stream-state.ts";

export function streamFromStore(s: LoadedStream): StreamState {
  return {
    id: s.id,
    key: s.key,
    kind: s.kind,
    ...(s.open ? { open: s.open } : {}),
    sets: s.sets,
    series: new Map(s.series.map((x) => [x.id, x])),
    lastStored: s.lastSeq,
    lastAccepted: s.lastSeq,
    stored: s.stored,
    storedAccepted: s.stored,
    ...(s.closed ? { closed: true } : {}),
  };
}

export class StreamCache {
  private readonly streams = new Map<string, StreamState>();
  private readonly loading = new Map<string, Promise<StreamState | undefined>>();
  private lastId = 0;

  constructor(private readonly store: Store) {}

  async init(): Promise<void> {
    this.lastId = await this.store.maxStreamId();
  }

  /** A fresh numeric id for a stream seen for the first time. */
  nextId(): number {
    return ++this.lastId;
  }

  get open(): ReadonlyMap<string, StreamState> {
    return this.streams;
  }

  get(key: string): StreamState | undefined {
    return this.streams.get(key);
  }

  /**
   * The stream in memory, or loaded from the store (undefined when the store has never seen it).
   * Concurrent callers share one load; a load that fails is not remembered, so the next caller
   * tries again instead of getting the same failure until a restart.
   */
  async load(key: string): Promise<StreamState | undefined> {
    const known = this.streams.get(key);
    if (known) return known;
    let p = this.loading.get(key);
    if (!p) {
      p = this.store.loadStream(key).then(
        (s) => {
          this.loading.delete(key);
          // A concurrent request may have created the stream while the load ran: keep that one.
          return this.streams.get(key) ?? (s && this.remember(streamFromStore(s)));
        },
        (e: unknown) => {
          this.loading.delete(key);
          throw e;
        },
      );
      this.loading.set(key, p);
    }
    return p;
  }

  remember(s: StreamState): StreamState {
    this.streams.set(s.key, s);
    return s;
  }

  forget(key: string): void {
    this.streams.delete(key);
  }

  /** The stream among `keys` with numeric id `id` (commit results name streams by id). */
  byId(keys: Iterable<string>, id: number): StreamState | undefined {
    for (const key of keys) {
      const s = this.streams.get(key);
      if (s?.id === id) return s;
    }
    return undefined;
  }
}
