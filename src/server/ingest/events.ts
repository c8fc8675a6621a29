// Generic events: NDJSON over HTTP (one JSON object per line) or one JSON object per WebSocket text
// frame. The whole request is checked before anything is stored, so a bad line rejects it all.
// A body is walked line by line in chunks, yielding to the event loop between chunks, so a body of
// millions of tiny lines neither holds millions of parsed objects nor stalls other ingest.
import { isServerError, serverError, type ServerError } from "../errors.ts";
import type { Limits } from "./limits.ts";
import type { StoredEvent } from "../store/store.ts";

/** An event as parsed, before it is assigned to a stream and given an id if it has none (see StoredEvent). */
export type ParsedEvent = Omit<StoredEvent, "stream" | "eventId"> & { readonly eventId: string | null };

/** Nesting depth of a JSON text, scanning outside strings; JSON.parse would recurse on it first. */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash escapes the next character
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
  // Ids are strings: a number would make 7, 7.0 and "7" one id, and 1e21 another spelling of itself.
  if (typeof v !== "string") return serverError("E_BAD_VALUE", `${key} must be a string${typeof v === "number" ? ` (send "${String(v)}")` : ""}`, where);
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
  if (id === "") return serverError("E_BAD_VALUE", "event_id must not be empty (leave it out and the server generates one)", where);
  const type = optionalString(o.event_type, "event_type", where, limits);
  if (type !== null && typeof type === "object") return type;
  const name = optionalString(o.event_name, "event_name", where, limits);
  if (name !== null && typeof name === "object") return name;
  return { time: now, eventTime: eventT, eventId: id, eventType: type, eventName: name, severityNumber: null, severityText: null, attributes: null, payload: text };
}

/** Lines checked or stored per chunk; between chunks the event loop runs other work. */
export const NDJSON_CHUNK = 2_000;
/** Rejected lines listed in an error reply (all are counted). */
const MAX_LISTED = 10;

export interface NdjsonRejection {
  readonly error: ServerError;
  /** How many lines were rejected, and the first few of them. */
  readonly rejected: number;
  readonly errors: readonly ServerError[];
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Calls `each` for every non-blank line with its 1-based number, `NDJSON_CHUNK` lines at a time,
 * awaiting `between` (by default a turn of the event loop) after each chunk; `between` answering
 * false stops the walk.
 */
export async function forEachLine(body: string, each: (text: string, line: number) => void, between: () => Promise<unknown> = yieldToLoop): Promise<boolean> {
  let line = 0;
  let from = 0;
  let inChunk = 0;
  while (from <= body.length) {
    let to = body.indexOf("\n", from);
    if (to < 0) to = body.length;
    line++;
    const text = body.slice(from, to).trim();
    from = to + 1;
    if (text.length === 0) continue;
    each(text, line);
    if (++inChunk === NDJSON_CHUNK) {
      inChunk = 0;
      if ((await between()) === false) return false;
    }
  }
  return inChunk === 0 || (await between()) !== false;
}

/**
 * Checks every line of an NDJSON body without keeping what it parsed (so memory stays bounded);
 * returns the number of events, or every rejected line counted and the first few listed.
 */
export async function checkNdjson(body: string, limits: Limits): Promise<number | NdjsonRejection> {
  let events = 0;
  let rejected = 0;
  const errors: ServerError[] = [];
  await forEachLine(body, (text, line) => {
    const e = parseEvent(text, `line ${line}`, limits, 0);
    if (!isServerError(e)) return void events++;
    rejected++;
    if (errors.length < MAX_LISTED) errors.push(e);
  });
  if (rejected === 0) return events;
  const first = errors[0];
  const message = `${first.message} (${rejected} of ${rejected + events} lines rejected; nothing of this request was stored)`;
  return { error: serverError(first.code, message, first.where), rejected, errors };
}
