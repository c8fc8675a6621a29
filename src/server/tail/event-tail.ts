// The live tail's fan-out: each commit's stored events (after the transaction committed, so a
// client sees stored events only) go to every subscriber whose filter matches. A subscriber has a
// bound on bytes written to it but not yet taken by its socket (`--tail-buffer`): past it, its
// events are dropped and counted, and it is told how many before the next one it gets. So a slow
// or stalled client costs at most that bound, never the server's memory.
import { serverError, type ServerError } from "../errors.ts";
import { parseDuration } from "../query/series-api.ts";
import { parseSeverityThreshold, SEVERITY_NAMES } from "../ingest/severity.ts";
import type { StoredEvent } from "../store/store.ts";

export interface TailFilter {
  /** Globs on event_name (`*` any run of characters, `?` one); empty: every name. */
  readonly names: readonly string[];
  readonly nameMatch: RegExp | null;
  /** Lowest severity_number shown; events without a severity are left out when set. */
  readonly minSeverity: number | null;
}

export interface TailRequest extends TailFilter {
  /** Replay stored events received this long ago or later, before the live ones. */
  readonly sinceMs: number | null;
  /** At most this many replayed events (the most recent). */
  readonly limit: number;
}

export const DEFAULT_REPLAY_LIMIT = 1_000;
export const MAX_REPLAY_LIMIT = 100_000;

const globSource = (g: string): string =>
  g
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");

/** `name=job.*,auth.?` `severity=warn` `since=5m` `limit=1000`, each optional. */
export function parseTailRequest(q: URLSearchParams): TailRequest | ServerError {
  const names = (q.get("name") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.some((n) => n.length > 256)) return serverError("E_BAD_PARAM", "a name pattern is longer than 256 characters", "name");
  const nameMatch = names.length === 0 ? null : new RegExp(`^(?:${names.map(globSource).join("|")})$`);
  const sev = q.get("severity");
  const minSeverity = sev === null || sev === "" ? null : (parseSeverityThreshold(sev) ?? null);
  if (sev !== null && sev !== "" && minSeverity === null) return serverError("E_BAD_PARAM", `severity must be one of ${SEVERITY_NAMES} or a number 1-24`, "severity");
  const since = q.get("since");
  const sinceMs = since === null || since === "" ? null : (parseDuration(since) ?? null);
  if (since !== null && since !== "" && sinceMs === null) return serverError("E_BAD_PARAM", "since must be a duration such as 5m, 30s, 1h", "since");
  const limit = Number(q.get("limit") ?? DEFAULT_REPLAY_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_REPLAY_LIMIT) return serverError("E_BAD_PARAM", `limit must be an integer 1..${MAX_REPLAY_LIMIT}`, "limit");
  return { names, nameMatch, minSeverity, sinceMs, limit };
}

export function matches(f: TailFilter, name: string | null, severity: number | null): boolean {
  if (f.nameMatch && (name === null || !f.nameMatch.test(name))) return false;
  if (f.minSeverity !== null && (severity === null || severity < f.minSeverity)) return false;
  return true;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * One event as the tail's JSON object: the events table's columns, times in ISO 8601, `payload`
 * and `attributes` as JSON (their stored text is JSON already, so it is spliced in, not re-parsed).
 */
export function tailJson(e: Omit<StoredEvent, "clientId">): string {
  const head = JSON.stringify({
    time: iso(e.time),
    stream_id: e.stream,
    event_id: e.eventId,
    event_time: iso(e.eventTime),
    event_type: e.eventType,
    event_name: e.eventName,
    severity_number: e.severityNumber,
    severity_text: e.severityText,
  });
  return `${head.slice(0, -1)},"attributes":${e.attributes ?? "null"},"payload":${e.payload}}`;
}

export interface TailClient {
  readonly filter: TailFilter;
  /** Bytes written but not yet taken by the socket. */
  buffered(): number;
  write(text: string): void;
  /** Events dropped since the client was last told. */
  dropped: number;
  /** All events dropped for this client. */
  droppedTotal: number;
  /** Ends the stream (server shutdown). */
  close(): void;
}

/** A Server-Sent Events message. */
export const sse = (event: string, data: string, id?: string): string => `${id ? `id: ${id.replace(/[\r\n]/g, "")}\n` : ""}event: ${event}\ndata: ${data}\n\n`;

export class EventTail {
  private readonly clients = new Set<TailClient>();

  constructor(private readonly maxBuffer: number) {}

  get size(): number {
    return this.clients.size;
  }

  add(client: TailClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** Sends to `client`, or drops and counts when its unsent bytes are over the bound. */
  deliver(client: TailClient, message: string): void {
    if (client.buffered() > this.maxBuffer) {
      client.dropped++;
      client.droppedTotal++;
      return;
    }
    if (client.dropped > 0) {
      client.write(sse("dropped", JSON.stringify({ dropped: client.dropped, total: client.droppedTotal })));
      client.dropped = 0;
    }
    client.write(message);
  }

  /** Ends every tail stream (shutdown), so no open response holds the server's close. */
  closeAll(): void {
    for (const c of this.clients) c.close();
    this.clients.clear();
  }

  /** The commit path's feed: events already stored, in commit order. */
  publish(events: readonly StoredEvent[]): void {
    if (this.clients.size === 0) return;
    for (const e of events) {
      let message: string | undefined;
      for (const c of this.clients) {
        if (!matches(c.filter, e.eventName, e.severityNumber)) continue;
        message ??= sse("event", tailJson(e), e.eventId);
        this.deliver(c, message);
      }
    }
  }
}
