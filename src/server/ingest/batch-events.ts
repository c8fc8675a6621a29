// Events that arrive inside metric batches (schema events from the SDK's rings): decoded with the
// stream's event declarations (src/wire/event-catalog.ts) into stored rows. Exactly-once comes from
// the batch: a resent sequence is acknowledged without storing (ingest.ts), and an event's id is
// `<stream>:<seq>:<index>`, the same on every resend, so the events table's event_id index is not
// needed for correctness here.
import type { StoredEvent } from "../store/store.ts";
import { EventCatalog } from "../../wire/event-catalog.ts";
import type { Batch } from "../../wire/batch.ts";
import { WireError } from "../../wire/wire-error.ts";
import { serverError, type ServerError } from "../errors.ts";
import type { StreamState } from "./stream-state.ts";
import type { Limits } from "./limits.ts";

/** What of a raw batch map carries events. */
type EventParts = Pick<Batch, "eventGroups" | "eventSources" | "events" | "end">;

/**
 * The stored rows of the batch's events, or why the batch is refused. Declarations are taken in
 * even when a row is refused: they are idempotent (a group or source declared again replaces itself).
 */
export function decodeBatchEvents(
  raw: Record<string, unknown>,
  state: StreamState,
  stream: string,
  seq: number,
  now: number,
  limits: Limits,
): StoredEvent[] | ServerError {
  const parts = raw as EventParts;
  if (parts.eventGroups === undefined && parts.eventSources === undefined && (parts.events === undefined || parts.events === null)) return [];
  // Event groups count against --max-sets, sources against --max-series (per stream).
  state.eventCatalog ??= new EventCatalog({ maxGroups: limits.maxSets, maxSources: limits.maxSeries });
  try {
    // Straight to stored text (event-json.ts): no object per event and its fields.
    const decoded = state.eventCatalog.readJson({
      stream,
      seq,
      end: parts.end,
      eventGroups: parts.eventGroups,
      eventSources: parts.eventSources,
      events: parts.events ?? [],
    });
    const out: StoredEvent[] = new Array(decoded.length);
    for (let i = 0; i < decoded.length; i++) {
      const e = decoded[i] as (typeof decoded)[number];
      out[i] = {
        stream: state.id,
        time: now,
        eventTime: e.eventTime,
        eventId: e.eventId,
        eventType: e.eventType,
        eventName: e.eventName,
        severityNumber: e.severityNumber,
        severityText: e.severityText,
        attributes: e.attributes,
        payload: e.payload,
        batchSeq: seq,
        batchIndex: i,
      };
    }
    return out;
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    const code =
      e.code === "E_UNKNOWN_EVENT_SOURCE" || e.code === "E_UNKNOWN_EVENT_GROUP" ? "E_UNKNOWN_EVENT_SOURCE" : e.code === "E_TOO_MANY" ? "E_TOO_MANY" : "E_BAD_EVENTS";
    return serverError(code, e.message, "events");
  }
}
