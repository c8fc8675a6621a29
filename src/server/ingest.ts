// Ingest: validates batches and events against the streams they belong to, queues them for the
// next group commit, and answers once they are stored. Each stream's sequence is stored once:
// a sequence at or below the last one accepted is a resend and is acknowledged without storing.
import { randomUUID } from "node:crypto";
import type { AttrValue, StreamOpen } from "../wire/batch.ts";
import type { BatchAck } from "../wire/reply.ts";
import { seriesAttributes as wireSeriesAttributes } from "../wire/stream-catalog.ts";
import { CommitQueue, type PendingUnit } from "./commit-queue.ts";
import { decodeMsgpack } from "./decode-msgpack.ts";
import { isServerError, serverError, type ServerError } from "./errors.ts";
import type { ParsedEvent } from "./events.ts";
import type { Limits } from "./limits.ts";
import type { PointRows } from "./point-rows.ts";
import type { BatchRecord, CommitResult, LoadedStream, Store } from "./store/store.ts";
import { setState, type SeriesState, type SetState, type StreamState } from "./stream-state.ts";
import { checkHeader } from "./validate-declarations.ts";
import { checkSeries, decodePoints } from "./validate-points.ts";

/** What the server answers for a stored batch (the wire's ack type). */
export type Ack = BatchAck;

export interface ClientInfo {
  readonly remote?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One event connection (an HTTP keep-alive connection or a WebSocket): its stream opens on first use. */
export interface EventStreamHandle {
  readonly client: ClientInfo;
  state?: StreamState;
  closed?: boolean;
}

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

export interface IngestHooks {
  log(line: string): void;
  /** Every commit that stored something, with the streams it touched (for the cumulative view). */
  committed(unit: PendingUnit, streams: ReadonlyMap<string, StreamState>): void;
}

/** Attribute values of a series as a map (the wire's one rule: overflow series carry otel.metric.overflow=true). */
export function seriesAttributes(state: StreamState, series: SeriesState): Record<string, AttrValue> {
  return wireSeriesAttributes(state.sets[series.set].descriptor, series.attrs);
}

export function streamFromStore(s: LoadedStream): StreamState {
  return {
    id: s.id, key: s.key, kind: s.kind, ...(s.open ? { open: s.open } : {}), sets: s.sets,
    series: new Map(s.series.map((x) => [x.id, x])),
    lastStored: s.lastSeq, lastAccepted: s.lastSeq, stored: s.stored, storedAccepted: s.stored,
  };
}

export class Ingestor {
  private readonly streams = new Map<string, StreamState>();
  private readonly loading = new Map<string, Promise<StreamState | undefined>>();
  private readonly queue: CommitQueue;
  private nextId = 0;
  /** Set once the store is about to close: nothing more is queued. */
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly limits: Limits,
    private readonly hooks: IngestHooks,
  ) {
    this.queue = new CommitQueue(store, (unit) => this.committed(unit), (unit, e) => this.failed(unit, e));
  }

  async init(): Promise<void> {
    this.nextId = await this.store.maxStreamId();
  }

  /** Open streams known in memory (the cumulative view reads their declarations). */
  get known(): ReadonlyMap<string, StreamState> {
    return this.streams;
  }

  private committed(unit: PendingUnit): void {
    for (const [id, p] of unit.progress) {
      const s = this.byId(unit, id);
      if (s) {
        s.lastStored = Math.max(s.lastStored, p.lastSeq);
        s.stored += p.points;
      }
    }
    this.hooks.committed(unit, this.streams);
  }

  private byId(unit: PendingUnit, id: number): StreamState | undefined {
    for (const key of unit.touched) {
      const s = this.streams.get(key);
      if (s?.id === id) return s;
    }
    return undefined;
  }

  private failed(unit: PendingUnit, e: unknown): void {
    this.hooks.log(`store commit failed, ${unit.batches.length} batches and ${unit.events.length} events not stored: ${(e as Error).message}`);
    // What was accepted in memory never reached the store: forget it and reload on next use.
    for (const key of unit.touched) this.streams.delete(key);
  }

  private async stream(key: string): Promise<StreamState | undefined> {
    const known = this.streams.get(key);
    if (known) return known;
    let p = this.loading.get(key);
    if (!p) {
      p = this.store.loadStream(key).then((s) => {
        this.loading.delete(key);
        if (!s || this.streams.has(key)) return this.streams.get(key) ?? (s && this.remember(streamFromStore(s)));
        return this.remember(streamFromStore(s));
      });
      this.loading.set(key, p);
    }
    return p;
  }

  private remember(s: StreamState): StreamState {
    this.streams.set(s.key, s);
    return s;
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
    if (this.stopped) return serverError("E_SHUTTING_DOWN", "server is shutting down");
    if (this.queue.pendingBytes > this.limits.maxPendingBytes) return serverError("E_BUSY", "ingest is behind; retry later");
    const raw = decodeMsgpack(bytes);
    if (isServerError(raw)) return raw;
    const h = checkHeader(raw, this.limits);
    if ("code" in h) return h;
    let state = await this.stream(h.stream);
    const unit = this.queue.current;
    let created = false;
    if (!state) {
      if (!h.open) return serverError("E_UNKNOWN_STREAM", `stream ${h.stream} is unknown here and this batch does not open it`, "open");
      state = {
        id: ++this.nextId, key: h.stream, kind: "batch", open: h.open, sets: [], series: new Map(),
        lastStored: 0, lastAccepted: 0, stored: 0, storedAccepted: 0,
      };
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
    // Accepted: from here on nothing fails before the commit.
    if (created) {
      this.remember(state);
      unit.streams.push({ id: state.id, key: state.key, kind: "batch", opened: Date.now(), open: h.open, ...client });
      this.hooks.log(`stream opened ${state.key} (batch) ${describe(state, client)}`);
    } else if (state.closed) {
      state.closed = false;
      unit.closed.push({ stream: state.id, time: null });
      unit.touched.add(state.key);
      this.hooks.log(`stream reopened ${state.key} (batch) ${describe(state, client)}`);
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
  async acceptForeign(key: string, open: StreamOpen, client: ClientInfo, build: ForeignBuilder): Promise<{ points: number; stored: Promise<Ack | ServerError> } | ServerError> {
    if (this.stopped) return serverError("E_SHUTTING_DOWN", "server is shutting down");
    if (this.queue.pendingBytes > this.limits.maxPendingBytes) return serverError("E_BUSY", "ingest is behind; retry later");
    const loaded = await this.stream(key);
    const unit = this.queue.current;
    // Re-read after the await: a concurrent request may have created the stream meanwhile.
    let state = this.streams.get(key) ?? loaded;
    if (!state) {
      state = {
        id: ++this.nextId, key, kind: "batch", open, sets: [], series: new Map(),
        lastStored: 0, lastAccepted: 0, stored: 0, storedAccepted: 0,
      };
      this.remember(state);
      unit.streams.push({ id: state.id, key, kind: "batch", opened: Date.now(), open, ...client });
      this.hooks.log(`stream opened ${key} (otlp) ${describe(state, client)}`);
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

  openEvents(client: ClientInfo): EventStreamHandle {
    return { client };
  }

  async ingestEvents(handle: EventStreamHandle, events: readonly ParsedEvent[]): Promise<{ stored: number; total: number } | ServerError> {
    if (this.stopped) return serverError("E_SHUTTING_DOWN", "server is shutting down");
    if (this.queue.pendingBytes > this.limits.maxPendingBytes) return serverError("E_BUSY", "ingest is behind; retry later");
    let state = handle.state;
    if (!state || !this.streams.has(state.key)) {
      const key = state?.key ?? `events-${randomUUID()}`;
      const isNew = !state;
      state = (await this.stream(key)) ?? {
        id: ++this.nextId, key, kind: "events", sets: [], series: new Map(), lastStored: 0, lastAccepted: 0, stored: 0, storedAccepted: 0,
      };
      handle.state = state;
      if (!this.streams.has(key)) {
        this.remember(state);
        this.queue.current.streams.push({ id: state.id, key, kind: "events", opened: Date.now(), ...handle.client });
        if (isNew) this.hooks.log(`stream opened ${key} (events) ${describe(state, handle.client)}`);
      }
    }
    // Duplicates inside one request are dropped here; across requests the store's unique event_id does it.
    const seen = new Set<string>();
    for (const e of events) {
      if (e.eventId !== null) {
        if (seen.has(e.eventId)) continue;
        seen.add(e.eventId);
      }
      this.queue.current.events.push({ stream: state.id, ...e });
      this.queue.current.bytes += e.payload.length;
    }
    this.queue.current.touched.add(state.key);
    let result: CommitResult;
    try {
      result = await this.queue.wait();
    } catch (e) {
      return serverError("E_STORE", `not stored: ${(e as Error).message}`);
    }
    const stored = result.eventsStored.get(state.id) ?? 0;
    state.stored += stored;
    return { stored, total: state.stored };
  }

  /** Marks an event stream closed (its connection ended). */
  closeEvents(handle: EventStreamHandle): void {
    if (!handle.state || handle.closed) return;
    handle.closed = true;
    this.closeStream(handle.state);
  }

  /** Marks a batch stream closed (the connection carrying it ended, or it went idle); it reopens on its next batch. */
  closeStream(state: StreamState, why = ""): void {
    if (this.stopped || state.closed) return;
    state.closed = true;
    this.queue.current.closed.push({ stream: state.id, time: Date.now() });
    this.queue.current.touched.add(state.key);
    this.hooks.log(`stream closed ${state.key} (${state.kind}${why ? `, ${why}` : ""}) stored=${state.storedAccepted || state.stored}`);
    this.queue.wait().catch(() => undefined);
    if (state.kind === "events") this.streams.delete(state.key);
  }

  /** WebSocket connections currently carrying each batch stream: those never close for idleness. */
  private readonly carriers = new Map<string, number>();

  /** A WebSocket connection started (+1) or stopped (-1) carrying `key`; returns how many carry it now. */
  carry(key: string, delta: 1 | -1): number {
    const n = (this.carriers.get(key) ?? 0) + delta;
    if (n > 0) this.carriers.set(key, n);
    else this.carriers.delete(key);
    return Math.max(n, 0);
  }

  /**
   * HTTP has no end-of-stream signal, so a batch stream that no WebSocket carries and that sent
   * nothing for `idleMs` is logged (and stored) as closed; its next batch reopens it.
   */
  closeIdle(idleMs: number, now = Date.now()): void {
    for (const s of this.streams.values()) {
      if (s.kind !== "batch" || s.closed || s.lastBatchAt === undefined || this.carriers.has(s.key)) continue;
      if (now - s.lastBatchAt >= idleMs) this.closeStream(s, `idle ${Math.round((now - s.lastBatchAt) / 1000)} s`);
    }
  }

  streamByKey(key: string): StreamState | undefined {
    return this.streams.get(key);
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

function describe(state: StreamState, client: ClientInfo): string {
  const r = state.open?.resource;
  const parts = [`id=${state.id}`];
  if (r?.["service.name"] !== undefined) parts.push(`service=${String(r["service.name"])}`);
  if (r?.["service.instance.id"] !== undefined) parts.push(`instance=${String(r["service.instance.id"])}`);
  if (client.remote) parts.push(`remote=${client.remote}`);
  return parts.join(" ");
}
