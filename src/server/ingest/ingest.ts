// Ingest of metric batches: validates batches against the streams they belong to, queues them for
// the next group commit, and answers once they are stored. Each stream's sequence is stored once:
// a sequence at or below the last one accepted is a resend and is acknowledged without storing.
// Events (event-ingest.ts), stream ends (stream-liveness.ts) and the streams in memory
// (stream-cache.ts) are their own parts; this class composes them.
import type { StreamOpen } from "../../wire/batch.ts";
import type { BatchAck } from "../../wire/reply.ts";
import { CommitQueue, type PendingUnit } from "./commit-queue.ts";
import { decodeMsgpack } from "./decode-msgpack.ts";
import { isServerError, serverError, type ServerError } from "../errors.ts";
import { EventIngest } from "./event-ingest.ts";
import { describeStream, refusalOf, type ClientInfo, type IngestCore, type IngestHooks } from "./ingest-core.ts";
import type { Limits } from "./limits.ts";
import type { PointRows } from "./point-rows.ts";
import type { BatchRecord, CommitResult, Store } from "../store/store.ts";
import { StreamCache } from "./stream-cache.ts";
import { StreamLiveness } from "./stream-liveness.ts";
import { newStream, seriesAttributes, setState, type SeriesState, type SetState, type StreamState } from "./stream-state.ts";
import { checkHeader } from "./validate-declarations.ts";
import { checkSeries, decodePoints } from "./validate-points.ts";
import { decodeBatchEvents } from "./batch-events.ts";

export type { ClientInfo, IngestHooks } from "./ingest-core.ts";
export type { EventStreamHandle } from "./event-ingest.ts";

/** What the server answers for a stored batch (the wire's ack type). */
export type Ack = BatchAck;

/** What a foreign (OTLP) builder adds to a stream: declarations, and how many rows it appended. */
export interface ForeignBuild {
  readonly sets: readonly SetState[];
  readonly series: readonly SeriesState[];
  readonly points: number;
  readonly start: number;
  readonly end: number;
  /** Approximate input size, for the pending-bytes bound. */
  readonly bytes: number;
}

export type ForeignBuilder = (state: StreamState, rows: PointRows) => ForeignBuild;

export class Ingestor implements IngestCore {
  readonly queue: CommitQueue;
  readonly cache: StreamCache;
  readonly events: EventIngest;
  readonly liveness: StreamLiveness;
  /** Set once the store is about to close: nothing more is queued. */
  private stopped = false;

  constructor(
    store: Store,
    readonly limits: Limits,
    readonly hooks: IngestHooks,
  ) {
    this.queue = new CommitQueue(
      store,
      (unit, result) => this.committed(unit, result),
      (unit, e) => this.failed(unit, e),
    );
    this.cache = new StreamCache(store);
    this.events = new EventIngest(this);
    this.liveness = new StreamLiveness(this, () => this.stopped);
  }

  init(): Promise<void> {
    return this.cache.init();
  }

  refusal(): ServerError | undefined {
    return refusalOf(this.stopped, this.queue, this.limits);
  }

  private committed(unit: PendingUnit, result: CommitResult): void {
    for (const [id, p] of unit.progress) {
      const s = this.cache.byId(unit.touched, id);
      if (s) {
        s.lastStored = Math.max(s.lastStored, p.lastSeq);
        // Batch streams' events (batch-events.ts) count like points; event connections count their own.
        s.stored += p.points + (result.eventsStored.get(id) ?? 0);
      }
    }
    this.hooks.committed(unit, this.cache.open);
    // Only now are they durable (the transaction committed): the live tail shows stored events only.
    if (result.events && result.events.length > 0) this.hooks.eventsStored?.(result.events);
  }

  private failed(unit: PendingUnit, e: unknown): void {
    this.hooks.log(`store commit failed, ${unit.batches.length} batches and ${unit.events.length} events not stored: ${(e as Error).message}`);
    // What was accepted in memory never reached the store: forget it and reload on next use.
    for (const key of unit.touched) this.cache.forget(key);
  }

  /** The stream `key` in memory (loaded from the store if needed), or the store's failure as a value. */
  private async stream(key: string): Promise<StreamState | undefined | ServerError> {
    try {
      const s = await this.cache.load(key);
      // It may have been dropped from memory (closed) while this request waited: hold it again.
      return s && (this.cache.get(key) ?? this.cache.remember(s));
    } catch (e) {
      return serverError("E_STORE", `could not load stream ${key}: ${(e as Error).message}; retry`);
    }
  }

  /** Validates and stores one batch; resolves with the ack once it is committed. */
  async ingestBatch(bytes: Uint8Array, client: ClientInfo): Promise<Ack | ServerError> {
    const accepted = await this.acceptBatch(bytes, client);
    return isServerError(accepted) ? accepted : accepted.stored;
  }

  /**
   * Validates one batch and queues it for the next commit. Resolves as soon as it is accepted (or
   * rejected); `stored` resolves after the commit. A connection pipelining batches awaits each
   * acceptance before the next, so its batches are accepted in order without waiting for commits.
   */
  async acceptBatch(bytes: Uint8Array, client: ClientInfo): Promise<{ seq: number; stream: string; stored: Promise<Ack | ServerError> } | ServerError> {
    const refused = this.refusal();
    if (refused) return refused;
    const raw = decodeMsgpack(bytes);
    if (isServerError(raw)) return raw;
    const h = checkHeader(raw, this.limits);
    if ("code" in h) return h;
    const loaded = await this.stream(h.stream);
    if (isServerError(loaded)) return loaded;
    let state = loaded;
    const unit = this.queue.current;
    let created = false;
    if (!state) {
      if (!h.open) return serverError("E_UNKNOWN_STREAM", `stream ${h.stream} is unknown here and this batch does not open it`, "open");
      state = newStream(this.cache.nextId(), h.stream, "batch", h.open);
      created = true;
    }
    if (h.seq <= state.lastAccepted) return { seq: h.seq, stream: h.stream, stored: this.resent(state) };
    if (state.sets.length + h.sets.length > this.limits.maxSets) return serverError("E_TOO_MANY", `more than ${this.limits.maxSets} sets on one stream`, "sets");
    const sets = [...state.sets, ...h.sets.map((d, i) => setState(state.sets.length + i, d))];
    const series = checkSeries(h.series, sets, state.series, state.open?.view === "thread", this.limits);
    if (isServerError(series)) return series;
    const fresh = new Map(series.map((s) => [s.id, s]));
    const mark = unit.points.length;
    const known = state.series;
    const n = decodePoints(h.points, sets, (id) => known.get(id) ?? fresh.get(id), h.end, state.id, unit.points);
    if (isServerError(n)) {
      unit.points.truncate(mark);
      return n;
    }
    const events = decodeBatchEvents(raw as Record<string, unknown>, state, h.stream, h.seq, Date.now(), this.limits);
    if (isServerError(events)) {
      unit.points.truncate(mark);
      return events;
    }
    // Accepted: from here on nothing fails before the commit.
    if (created) {
      this.cache.remember(state);
      unit.streams.push({ id: state.id, key: state.key, kind: "batch", opened: Date.now(), open: h.open, ...client });
      this.hooks.log(`stream opened ${state.key} (batch) ${describeStream(state, client)}`);
    } else if (state.closed) {
      state.closed = false;
      unit.closed.push({ stream: state.id, time: null });
      unit.touched.add(state.key);
      this.hooks.log(`stream reopened ${state.key} (batch) ${describeStream(state, client)}`);
    }
    state.lastBatchAt = Date.now();
    for (const s of sets.slice(state.sets.length)) {
      state.sets.push(s);
      unit.sets.push({ stream: state.id, set: s });
    }
    for (const s of series) {
      state.series.set(s.id, s);
      unit.series.push({ stream: state.id, series: s, setName: sets[s.set].descriptor.name, attributes: seriesAttributes(state, s) });
    }
    for (const e of events) unit.events.push(e);
    const stored = this.queueBatch(state, { stream: state.id, seq: h.seq, start: h.start, end: h.end, points: n }, bytes.length);
    return { seq: h.seq, stream: h.stream, stored };
  }

  /** Records an accepted batch in the pending commit; resolves with the ack once it is stored. */
  private queueBatch(state: StreamState, batch: BatchRecord, bytes: number): Promise<Ack | ServerError> {
    const unit = this.queue.current;
    state.lastAccepted = batch.seq;
    state.storedAccepted += batch.points;
    unit.batches.push(batch);
    const p = unit.progress.get(state.id);
    unit.progress.set(state.id, { lastSeq: batch.seq, points: (p?.points ?? 0) + batch.points });
    unit.touched.add(state.key);
    unit.bytes += bytes;
    return this.queue.wait().then(
      (): Ack => ({ seq: state.lastStored, stored: state.stored }),
      (e: unknown) => serverError("E_STORE", `not stored: ${(e as Error).message}`),
    );
  }

  /**
   * Queues points that did not arrive as a msgpack batch (OTLP): `build` declares what it needs
   * (new sets, new series) and appends rows to `rows`, synchronously, against the stream's state;
   * the result is stored like a batch with the stream's next sequence number. `build` never fails
   * half way: what it cannot store it reports to its caller and leaves out.
   */
  async acceptForeign(
    key: string,
    open: StreamOpen,
    client: ClientInfo,
    build: ForeignBuilder,
  ): Promise<{ points: number; stored: Promise<Ack | ServerError> } | ServerError> {
    const refused = this.refusal();
    if (refused) return refused;
    const loaded = await this.stream(key);
    if (isServerError(loaded)) return loaded;
    const unit = this.queue.current;
    // Re-read after the await: a concurrent request may have created the stream meanwhile.
    let state = this.cache.get(key) ?? loaded;
    if (!state) {
      state = this.cache.remember(newStream(this.cache.nextId(), key, "batch", open));
      unit.streams.push({ id: state.id, key, kind: "batch", opened: Date.now(), open, ...client });
      this.hooks.log(`stream opened ${key} (otlp) ${describeStream(state, client)}`);
    }
    const built = build(state, unit.points);
    if (built.points === 0 && built.sets.length === 0 && built.series.length === 0 && state.lastAccepted > 0) {
      return { points: 0, stored: this.resent(state) };
    }
    for (const s of built.sets) {
      state.sets.push(s);
      unit.sets.push({ stream: state.id, set: s });
    }
    for (const s of built.series) {
      state.series.set(s.id, s);
      unit.series.push({ stream: state.id, series: s, setName: state.sets[s.set].descriptor.name, attributes: seriesAttributes(state, s) });
    }
    const batch = { stream: state.id, seq: state.lastAccepted + 1, start: built.start, end: built.end, points: built.points };
    return { points: built.points, stored: this.queueBatch(state, batch, built.bytes) };
  }

  /** A sequence already accepted: answer once whatever holds it is committed. */
  private async resent(state: StreamState): Promise<Ack | ServerError> {
    if (state.lastStored < state.lastAccepted) {
      try {
        await this.queue.wait();
      } catch {
        return serverError("E_STORE", "not stored");
      }
    }
    return { seq: state.lastStored, stored: state.stored };
  }

  streamByKey(key: string): StreamState | undefined {
    return this.cache.get(key);
  }

  runExclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.runExclusive(task);
  }

  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** Commits what is queued, then refuses everything: the store is about to close. */
  async stop(): Promise<void> {
    await this.queue.drain();
    this.stopped = true;
    await this.queue.drain();
  }
}
