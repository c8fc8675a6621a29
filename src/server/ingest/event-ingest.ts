// Generic events into their streams: one stream per HTTP keep-alive connection or WebSocket,
// opened on first use. Every stored event has an id: the client's `event_id`, or one generated
// here, so "stored" always counts rows that are in the store (the UNIQUE event_id skips a resent
// id, which is counted as a duplicate, never as stored).
import { randomUUID } from "node:crypto";
import { generateEventId } from "./event-id.ts";
import { checkNdjson, forEachLine, parseEvent, type NdjsonRejection, type ParsedEvent } from "./events.ts";
import { isServerError, serverError, type ServerError } from "../errors.ts";
import { describeStream, type ClientInfo, type IngestCore } from "./ingest-core.ts";
import { newStream, type StreamState } from "./stream-state.ts";

/** One event connection (an HTTP keep-alive connection or a WebSocket): its stream opens on first use. */
export interface EventStreamHandle {
  readonly client: ClientInfo;
  state?: StreamState;
  closed?: boolean;
}

export interface EventReply {
  /** Events of this request now in the store. */
  readonly stored: number;
  /** Events of this request whose event_id was already stored (a resend): not stored again. */
  readonly duplicates: number;
  /** Events stored on this connection's stream so far. */
  readonly total: number;
}

/** A request that failed part way: what it stored before the failure, and why it stopped. */
export type EventFailure = ServerError & { readonly stored: number; readonly duplicates: number };

export class EventIngest {
  constructor(private readonly core: IngestCore) {}

  open(client: ClientInfo): EventStreamHandle {
    return { client };
  }

  /** Stores the events of one NDJSON body: all of them, or (when any line is bad) none. */
  async ingestNdjson(handle: EventStreamHandle, body: string): Promise<EventReply | NdjsonRejection | EventFailure | ServerError> {
    const refused = this.core.refusal();
    if (refused) return refused;
    // First pass: check every line, keep nothing. Second pass: parse again and store chunk by chunk.
    const checked = await checkNdjson(body, this.core.limits);
    if (typeof checked !== "number") return checked;
    if (checked === 0) return { stored: 0, duplicates: 0, total: handle.state?.stored ?? 0 };
    const state = await this.streamOf(handle);
    if (isServerError(state)) return state;
    const now = Date.now();
    let chunk: ParsedEvent[] = [];
    let stored = 0;
    let duplicates = 0;
    let failure: ServerError | undefined;
    await forEachLine(
      body,
      (text, line) => chunk.push(parseEvent(text, `line ${line}`, this.core.limits, now) as ParsedEvent),
      async () => {
        const r = await this.store(state, chunk);
        chunk = [];
        if (isServerError(r)) {
          failure = r;
          return false;
        }
        stored += r.stored;
        duplicates += r.duplicates;
        return true;
      },
    );
    if (failure) return { ...failure, message: `${failure.message} (${stored} events of this request were stored before the failure)`, stored, duplicates };
    return { stored, duplicates, total: state.stored };
  }

  /** Stores one event (a WebSocket text frame). */
  async ingestOne(handle: EventStreamHandle, event: ParsedEvent): Promise<EventReply | ServerError> {
    const refused = this.core.refusal();
    if (refused) return refused;
    const state = await this.streamOf(handle);
    if (isServerError(state)) return state;
    const r = await this.store(state, [event]);
    return isServerError(r) ? r : { ...r, total: state.stored };
  }

  private async streamOf(handle: EventStreamHandle): Promise<StreamState | ServerError> {
    const { cache, queue, hooks } = this.core;
    const known = handle.state;
    if (known && cache.get(known.key) === known) return known;
    const key = known?.key ?? `events-${randomUUID()}`;
    let state: StreamState | undefined;
    try {
      state = await cache.load(key);
    } catch (e) {
      return serverError("E_STORE", `could not load the event stream: ${(e as Error).message}`);
    }
    if (!state) {
      state = cache.remember(newStream(cache.nextId(), key, "events"));
      queue.current.streams.push({ id: state.id, key, kind: "events", opened: Date.now(), ...handle.client });
      if (!known) hooks.log(`stream opened ${key} (events) ${describeStream(state, handle.client)}`);
    }
    handle.state = state;
    return state;
  }

  /** Queues `events` for the next commit and waits for it. */
  private async store(state: StreamState, events: readonly ParsedEvent[]): Promise<{ stored: number; duplicates: number } | ServerError> {
    const unit = this.core.queue.current;
    // The same id twice in one request is one event; across requests the store's UNIQUE event_id decides.
    const seen = new Set<string>();
    for (const e of events) {
      const eventId = e.eventId ?? generateEventId(e.time);
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      unit.events.push({ stream: state.id, ...e, eventId });
      unit.bytes += e.payload.length;
    }
    unit.touched.add(state.key);
    try {
      const result = await this.core.queue.wait();
      const stored = result.eventsStored.get(state.id) ?? 0;
      state.stored += stored;
      return { stored, duplicates: events.length - stored };
    } catch (e) {
      return serverError("E_STORE", `not stored: ${(e as Error).message}`);
    }
  }
}
