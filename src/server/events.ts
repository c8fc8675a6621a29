// Generic events: NDJSON over HTTP (one JSON object per line) or one JSON object per WebSocket text
// frame. The whole request is checked before anything is stored, so a bad line rejects it all.
import { serverError, type ServerError } from "./errors.ts";
import type { Limits } from "./limits.ts";
import type { StoredEvent } from "./store/store.ts";

/** An event as parsed, before it is assigned to a stream (see StoredEvent for the fields). */
export type ParsedEvent = Omit<StoredEvent, "stream">;

/** Nesting depth of a JSON text, scanning outside strings; JSON.parse would recurse on it first. */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

function optionalString(v: unknown, key: string, where: string, limits: Limits): string | null | ServerError {
  if (v === undefined || v === null) return null;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v !== "string") return serverError("E_BAD_VALUE", `${key} must be a string`, where);
  if (v.length > limits.maxString) return serverError("E_TOO_LONG", `${key} longer than ${limits.maxString} characters`, where);
  return v;
}

function eventTime(v: unknown, where: string): number | null | ServerError {
  if (v === undefined || v === null) return null;
  const t = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  if (!Number.isFinite(t) || t < 0 || t > 1e14) return serverError("E_BAD_VALUE", "event_time must be ms since the epoch or an ISO 8601 time", where);
  return t;
}

export function parseEvent(text: string, where: string, limits: Limits, now = Date.now()): ParsedEvent | ServerError {
  if (Buffer.byteLength(text) > limits.maxLine) return serverError("E_TOO_LONG", `event longer than ${limits.maxLine} bytes`, where);
  if (depthExceeds(text, limits.maxDepth)) return serverError("E_TOO_DEEP", `JSON nested deeper than ${limits.maxDepth}`, where);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return serverError("E_BAD_JSON", `not JSON: ${(e as Error).message}`, where);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return serverError("E_NOT_OBJECT", "each event must be a JSON object", where);
  const o = v as Record<string, unknown>;
  const eventT = eventTime(o.event_time, where);
  if (eventT !== null && typeof eventT === "object") return eventT;
  const id = optionalString(o.event_id, "event_id", where, limits);
  if (id !== null && typeof id === "object") return id;
  const type = optionalString(o.event_type, "event_type", where, limits);
  if (type !== null && typeof type === "object") return type;
  const name = optionalString(o.event_name, "event_name", where, limits);
  if (name !== null && typeof name === "object") return name;
  return { time: now, eventTime: eventT, eventId: id, eventType: type, eventName: name, payload: text };
}

export function parseNdjson(body: string, limits: Limits, now = Date.now()): ParsedEvent[] | ServerError {
  const out: ParsedEvent[] = [];
  let line = 0;
  let from = 0;
  while (from <= body.length) {
    let to = body.indexOf("\n", from);
    if (to < 0) to = body.length;
    line++;
    const text = body.slice(from, to).trim();
    from = to + 1;
    if (text.length === 0) continue;
    const e = parseEvent(text, `line ${line}`, limits, now);
    if ("code" in e) return e;
    out.push(e);
  }
  return out;
}
