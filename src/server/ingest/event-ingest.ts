// Generic events into their streams: one stream per HTTP keep-alive connection or WebSocket,
// opened on first use. Every stored event has an id: the client's `event_id`, or one generated
// here (`--event-fields optional` only), so "stored" always counts rows that are in the store (a
// resent client id is skipped by the store and counted as a duplicate, never as stored).
import { randomUUID } from "node:crypto";
import { generateEventId } from "./event-id.ts";
import { forEachLine, MAX_LISTED, parseEvent, type ParsedEvent } from "./events.ts";
import { isServerError, serverError, type ServerError } from "../errors.ts";
import { describeStream, type ClientInfo, type IngestCore } from "./ingest-core.ts";
import { newStream, type StreamState } from "./stream-state.ts";
import type { CommitResult, StoredEvent } from "../store/store.ts";
import type { StreamOpen } from "../../wire/batch.ts";

/** One event connection (an HTTP keep-alive connection or a WebSocket): its stream opens on first use. */
export interface EventStreamHandle {
  readonly client: ClientInfo;
  /** A stream key of the caller's (OTLP logs: one per resource and scope); else `events-<uuid>`. */
  readonly key?: string;
  /** Its resource and origin, stored with the stream. */
  readonly open?: StreamOpen;
  state?: StreamState;
  closed?: boolean;
}

export interface EventReply {
  /** Events of this request now in the store. */
  readonly stored: number;
  /** Events of this request whose event_id was already stored (a resend) or repeated in it: not stored again. */
  readonly duplicates: number;
  /** Lines of this request refused (each for its own reason); the first few are in `errors`. */
  readonly rejected: number;
  /** Events stored on this connection's stream so far. */
  readonly total: number;
  /** The first `MAX_LISTED` rejected lines, each with its `where: "line N"`; present when any were rejected. */
  readonly errors?: readonly ServerError[];
}

/** Every line of a request was refused: the first reason, with all counted and the first few listed. */
export interface NdjsonRejection {
  readonly error: ServerError;
  readonly rejected: number;
  readonly errors: readonly ServerError[];
}

/** A request that failed part way: what it stored before the failure, and why it stopped. */
export type EventFailure = ServerError & { readonly stored: number; readonly duplicates: number };

type ChunkResult = { stored: number; duplicates: number } | ServerError;

/** NDJSON chunks of one body queued but not yet committed, at most (see ingestNdjson). */
const MAX_INFLIGHT = 8;

export class EventIngest {
  /** Per commit, the events it stored, so a chunk can tell which of its own were duplicates. */
  private readonly storedSets = new WeakMap<CommitResult, Set<StoredEvent>>();

  constructor(private readonly core: IngestCore) {}

  open(client: ClientInfo): EventStreamHandle {
    return { client };
  }

  /**
   * Stores the good lines of one NDJSON body and rejects the bad ones, each with its reason. One
   * pass: chunks are parsed while earlier ones commit, so parsing and DuckDB overlap and a commit
   * carries up to `MAX_INFLIGHT` chunks (fewer commits, each one a WAL sync); at most that many
   * chunks are held at a time, so a body's memory stays bounded.
   */
  async ingestNdjson(handle: EventStreamHandle, body: string): Promise<EventReply | NdjsonRejection | EventFailure | ServerError> {
    const refused = this.core.refusal();
    if (refused) return refused;
    const state = await this.streamOf(handle);
    if (isServerError(state)) return state;
    const now = Date.now();
    let chunk: StoredEvent[] = [];
    let stored = 0;
    let duplicates = 0;
    let rejected = 0;
    const errors: ServerError[] = [];
    let failure: ServerError | undefined;
    const inflight: Promise<ChunkResult>[] = [];
    /** Waits for the oldest chunk in flight and counts it; false once a chunk failed. */
    const settle = async (): Promise<boolean> => {
      const r = await inflight.shift();
      if (r === undefined) return true;
      if (isServerError(r)) {
        failure ??= r;
        return false;
      }
      stored += r.stored;
      duplicates += r.duplicates;
      return failure === undefined;
    };
    await forEachLine(
      body,
      (text, line) => {
        const e = parseEvent(text, `line ${line}`, this.core.limits, now);
        if (isServerError(e)) {
          rejected++;
          if (errors.length < MAX_LISTED) errors.push(e);
        } else chunk.push(this.toStored(state, e));
      },
      async () => {
        if (chunk.length > 0) inflight.push(this.queueChunk(state, chunk));
        chunk = [];
        await new Promise<void>((r) => setImmediate(r));
        while (inflight.length >= MAX_INFLIGHT) if (!(await settle())) return false;
        return true;
      },
    );
    // Whatever was queued commits (or fails) on its own: count all of it.
    while (inflight.length > 0) await settle();
    if (failure) return { ...failure, message: `${failure.message} (${stored} events of this request were stored before the failure)`, stored, duplicates };
    if (rejected > 0 && stored + duplicates === 0) {
      const first = errors[0] ?? serverError("E_BAD_VALUE", "rejected");
      const message = `${first.message} (${rejected} of ${rejected} lines rejected; nothing of this request was stored)`;
      return { error: serverError(first.code, message, first.where), rejected, errors };
    }
    return { stored, duplicates, rejected, total: state.stored, ...(rejected > 0 ? { errors } : {}) };
  }

  /** Stores one event (a WebSocket text frame). */
  async ingestOne(handle: EventStreamHandle, event: ParsedEvent): Promise<EventReply | ServerError> {
    const refused = this.core.refusal();
    if (refused) return refused;
    const state = await this.streamOf(handle);
    if (isServerError(state)) return state;
    const r = await this.queueChunk(state, [this.toStored(state, event)]);
    return isServerError(r) ? r : { ...r, rejected: 0, total: state.stored };
  }

  /** Stores already-parsed events (OTLP log records) on the handle's stream. */
  async ingestParsed(handle: EventStreamHandle, events: readonly ParsedEvent[]): Promise<EventReply | ServerError> {
    const refused = this.core.refusal();
    if (refused) return refused;
    const state = await this.streamOf(handle);
    if (isServerError(state)) return state;
    const r = await this.queueChunk(
      state,
      events.map((e) => this.toStored(state, e)),
    );
    return isServerError(r) ? r : { ...r, rejected: 0, total: state.stored };
  }

  private toStored(state: StreamState, e: ParsedEvent): StoredEvent {
    // An id the client chose is checked against the ids stored; one generated here is unique.
    // A literal, not a spread: this runs once per event and a spread costs several times more.
    return {
      stream: state.id,
      time: e.time,
      eventTime: e.eventTime,
      eventId: e.eventId ?? generateEventId(e.time),
      eventType: e.eventType,
      eventName: e.eventName,
      severityNumber: e.severityNumber,
      severityText: e.severityText,
      attributes: e.attributes,
      payload: e.payload,
      clientId: e.eventId !== null,
    };
  }

  private async streamOf(handle: EventStreamHandle): Promise<StreamState | ServerError> {
    const { cache, queue, hooks } = this.core;
    const known = handle.state;
    if (known && cache.get(known.key) === known) return known;
    const key = known?.key ?? handle.key ?? `events-${randomUUID()}`;
    let state: StreamState | undefined;
    try {
      state = await cache.load(key);
    } catch (e) {
      return serverError("E_STORE", `could not load the event stream: ${(e as Error).message}`);
    }
    // Re-read after the await: a concurrent request may have opened this key meanwhile (OTLP logs).
    state = cache.get(key) ?? state;
    if (!state) {
      state = cache.remember(newStream(cache.nextId(), key, "events", handle.open));
      queue.current.streams.push({ id: state.id, key, kind: "events", opened: Date.now(), ...(handle.open ? { open: handle.open } : {}), ...handle.client });
      if (!known) hooks.log(`stream opened ${key} (events) ${describeStream(state, handle.client)}`);
    }
    handle.state = state;
    return state;
  }

  /** Queues `events` for the next commit and resolves once it is committed. */
  private async queueChunk(state: StreamState, events: StoredEvent[]): Promise<ChunkResult> {
    const unit = this.core.queue.current;
    let checked = 0;
    for (const e of events) {
      unit.events.push(e);
      unit.bytes += e.payload.length;
      if (e.clientId) checked++;
    }
    unit.touched.add(state.key);
    try {
      const result = await this.core.queue.wait();
      // Only events with a client's id can be duplicates; the rest are stored whatever happens.
      let stored = events.length;
      if (checked > 0) {
        const kept = this.storedSet(result);
        for (const e of events) if (e.clientId && !kept.has(e)) stored--;
      }
      state.stored += stored;
      return { stored, duplicates: events.length - stored };
    } catch (e) {
      return serverError("E_STORE", `not stored: ${(e as Error).message}`);
    }
  }

  private storedSet(result: CommitResult): Set<StoredEvent> {
    let set = this.storedSets.get(result);
    if (!set) {
      set = new Set(result.events ?? []);
      this.storedSets.set(result, set);
    }
    return set;
  }
}
