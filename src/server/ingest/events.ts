// Generic events: NDJSON over HTTP (one JSON object per line) or one JSON object per WebSocket text
// frame, in the activity-events format: `event_id`, `event_time`, `event_type` and `event_name` are
// required (unless `--event-fields optional`), everything else is the event's own. Each line is
// judged alone: a bad line is rejected with its reason and line number, the good ones are stored.
// A body is walked line by line in chunks, yielding to the event loop between chunks, so a body of
// millions of tiny lines neither holds millions of parsed objects nor stalls other ingest.
import { serverError, type ServerError } from "../errors.ts";
import type { Limits } from "./limits.ts";
import { isSeverityNumber, SEVERITY_NAMES, severityOfName, severityText } from "./severity.ts";
import type { StoredEvent } from "../store/store.ts";

/** An event as parsed, before it is assigned to a stream and given an id if it has none (see StoredEvent). */
export type ParsedEvent = Omit<StoredEvent, "stream" | "eventId" | "clientId"> & { readonly eventId: string | null };

/** Nesting depth of a JSON text, scanning outside strings; JSON.parse would recurse on it first. */
function depthExceeds(text: string, max: number): boolean {
  // A text shorter than the limit cannot nest deeper than it: most lines skip the scan.
  if (text.length <= max) return false;
  // Nor can one with at most `max` brackets that open: counted with indexOf (native, fast), most
  // lines (one object, a few arrays) skip the character-by-character scan below.
  let opens = 0;
  for (let i = text.indexOf("{"); i >= 0 && opens <= max; i = text.indexOf("{", i + 1)) opens++;
  for (let i = text.indexOf("["); i >= 0 && opens <= max; i = text.indexOf("[", i + 1)) opens++;
  if (opens <= max) return false;
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

const REQUIRED_HINT = "every event needs event_id, event_time, event_type and event_name";

function stringField(v: unknown, key: string, where: string, limits: Limits): string | null | ServerError {
  if (v === undefined || v === null) {
    return limits.requireEventFields ? serverError("E_MISSING_FIELD", `${key} is missing (${REQUIRED_HINT})`, where) : null;
  }
  // Ids are strings: a number would make 7, 7.0 and "7" one id, and 1e21 another spelling of itself.
  if (typeof v !== "string") return serverError("E_BAD_VALUE", `${key} must be a string${typeof v === "number" ? ` (send "${String(v)}")` : ""}`, where);
  if (v.length > limits.maxString) return serverError("E_TOO_LONG", `${key} longer than ${limits.maxString} characters`, where);
  if (v === "") return serverError("E_BAD_VALUE", `${key} must not be empty`, where);
  return v;
}

function eventTime(v: unknown, where: string, limits: Limits): number | null | ServerError {
  if (v === undefined || v === null) {
    return limits.requireEventFields ? serverError("E_MISSING_FIELD", `event_time is missing (${REQUIRED_HINT})`, where) : null;
  }
  const t = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  if (!Number.isFinite(t) || t < 0 || t > 1e14) return serverError("E_BAD_VALUE", "event_time must be ms since the epoch or an ISO 8601 time", where);
  return t;
}

/** `severity_number` (1-24), `severity_text`, or `severity` (a level name or a number): all optional. */
function severity(o: Record<string, unknown>, where: string, limits: Limits): { n: number | null; text: string | null } | ServerError {
  let n: number | null = null;
  let text: string | null = null;
  if (o.severity_number !== undefined && o.severity_number !== null) {
    if (!isSeverityNumber(o.severity_number)) return serverError("E_BAD_VALUE", "severity_number must be an integer 1-24 (OpenTelemetry SeverityNumber)", where);
    n = o.severity_number;
  }
  if (o.severity_text !== undefined && o.severity_text !== null) {
    if (typeof o.severity_text !== "string") return serverError("E_BAD_VALUE", "severity_text must be a string", where);
    if (o.severity_text.length > limits.maxString) return serverError("E_TOO_LONG", `severity_text longer than ${limits.maxString} characters`, where);
    text = o.severity_text;
    n ??= severityOfName(text) ?? null;
  }
  const s = o.severity;
  if (s !== undefined && s !== null && n === null) {
    const named = typeof s === "string" ? severityOfName(s) : isSeverityNumber(s) ? s : undefined;
    if (named === undefined) return serverError("E_BAD_VALUE", `severity must be one of ${SEVERITY_NAMES} or an integer 1-24`, where);
    n = named;
  }
  if (n !== null) text ??= severityText(n);
  return { n, text };
}

export function parseEvent(text: string, where: string, limits: Limits, now = Date.now()): ParsedEvent | ServerError {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most lines skip counting their bytes.
  if (text.length * 3 > limits.maxLine && Buffer.byteLength(text) > limits.maxLine) return serverError("E_TOO_LONG", `event longer than ${limits.maxLine} bytes`, where);
  if (depthExceeds(text, limits.maxDepth)) return serverError("E_TOO_DEEP", `JSON nested deeper than ${limits.maxDepth}`, where);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return serverError("E_BAD_JSON", `not JSON: ${(e as Error).message}`, where);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return serverError("E_NOT_OBJECT", "each event must be a JSON object", where);
  const o = v as Record<string, unknown>;
  const id = stringField(o.event_id, "event_id", where, limits);
  if (id !== null && typeof id === "object") return id;
  const eventT = eventTime(o.event_time, where, limits);
  if (eventT !== null && typeof eventT === "object") return eventT;
  const type = stringField(o.event_type, "event_type", where, limits);
  if (type !== null && typeof type === "object") return type;
  const name = stringField(o.event_name, "event_name", where, limits);
  if (name !== null && typeof name === "object") return name;
  const sev = severity(o, where, limits);
  if ("code" in sev) return sev;
  return { time: now, eventTime: eventT, eventId: id, eventType: type, eventName: name, severityNumber: sev.n, severityText: sev.text, attributes: null, payload: text };
}

/** Lines parsed per chunk; between chunks the event loop runs other work. */
export const NDJSON_CHUNK = 2_000;
/** Rejected lines listed in a reply (all are counted). */
export const MAX_LISTED = 10;

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
