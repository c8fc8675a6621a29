// GET /api/v1/events/tail: the live tail as Server-Sent Events (text/event-stream), readable by
// curl, a browser's EventSource (behind a proxy that adds the token) or `telemetry-server tail`.
// Each stored event is one `event: event` message whose data is one JSON object (tailJson);
// `event: dropped` says how many this client lost while it read too slowly; a `: ping` comment
// every 15 s keeps idle connections and proxies alive. `since` first replays stored events (the
// most recent `limit`), then the live ones, without repeating an event in both.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isServerError, serverError } from "../errors.ts";
import { sendError } from "../http/http-util.ts";
import type { RouteContext } from "../http/route-context.ts";
import { EVENT_ID_SQL } from "../store/duckdb-schema.ts";
import { StoreError } from "../store/store.ts";
import { parseTailRequest, sse, tailJson, type TailClient, type TailRequest } from "./event-tail.ts";

const PING_MS = 15_000;
const REPLAY_TIMEOUT_MS = 30_000;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The stored events a `since` asks for, oldest first, as SSE messages with their ids. */
async function replay(ctx: RouteContext, q: TailRequest, now: number): Promise<{ id: string; message: string }[]> {
  const where = ["r.time >= make_timestamp($since)"];
  const params: Record<string, string | number> = { since: Math.floor((now - (q.sinceMs ?? 0)) * 1000), limit: q.limit };
  if (q.nameMatch) {
    where.push("regexp_full_match(r.event_name, $names)");
    params.names = q.nameMatch.source;
  }
  if (q.minSeverity !== null) {
    where.push("r.severity_number >= $severity");
    params.severity = q.minSeverity;
  }
  // From event_rows (the `events` view has no rowid): newest first by time and then append order.
  const rows = await ctx.store.readRows(
    `SELECT * FROM (
       SELECT epoch_ms(r.time), r.stream_id, ${EVENT_ID_SQL}, epoch_ms(r.event_time), r.event_type, r.event_name, r.severity_number, r.severity_text,
         r.attributes::VARCHAR, r.payload::VARCHAR, r.rowid
       FROM event_rows r LEFT JOIN streams s ON s.id = r.stream_id WHERE ${where.join(" AND ")} ORDER BY r.time DESC, r.rowid DESC LIMIT $limit)
     ORDER BY 1, 11`,
    params,
    REPLAY_TIMEOUT_MS,
  );
  return rows.map(([time, stream, id, eventTime, type, name, sevN, sevT, attrs, payload]) => {
    const e = {
      time: Number(time),
      stream: Number(stream),
      eventId: String(id),
      eventTime: num(eventTime),
      eventType: str(type),
      eventName: str(name),
      severityNumber: num(sevN),
      severityText: str(sevT),
      attributes: str(attrs),
      payload: str(payload) ?? "null",
    };
    return { id: e.eventId, message: sse("event", tailJson(e), e.eventId) };
  });
}

export async function tailRoute(req: IncomingMessage, res: ServerResponse, url: URL, ctx: RouteContext): Promise<void> {
  const q = parseTailRequest(url.searchParams);
  if (isServerError(q)) return sendError(res, q);
  if (ctx.shuttingDown()) return sendError(res, serverError("E_SHUTTING_DOWN", "server is shutting down"));
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
  res.flushHeaders();
  // Live events that arrive while the replay is read wait here (counted in the client's bound).
  let held: string[] | null = q.sinceMs === null ? null : [];
  let heldBytes = 0;
  const client: TailClient = {
    filter: q,
    dropped: 0,
    droppedTotal: 0,
    buffered: () => res.writableLength + heldBytes,
    write: (text) => {
      if (held) {
        held.push(text);
        heldBytes += text.length;
      } else res.write(text);
    },
    close: () => res.end(sse("shutdown", JSON.stringify({ code: "E_SHUTTING_DOWN" }))),
  };
  const remove = ctx.tail.add(client);
  const ping = setInterval(() => {
    if (res.writableLength <= 64 * 1024) res.write(": ping\n\n");
  }, PING_MS);
  ping.unref();
  req.socket.setTimeout(0);
  res.on("close", () => {
    clearInterval(ping);
    remove();
  });
  res.write(`: tail ${JSON.stringify({ name: q.names, severity: q.minSeverity, since_ms: q.sinceMs })}\n\n`);
  if (held === null) return;
  try {
    const rows = await replay(ctx, q, Date.now());
    const replayed = new Set<string>();
    for (const r of rows) {
      replayed.add(r.id);
      res.write(r.message);
    }
    const live = held;
    held = null;
    heldBytes = 0;
    for (const m of live) {
      const id = /^id: (.*)$/m.exec(m)?.[1];
      if (id === undefined || !replayed.has(id)) res.write(m);
    }
  } catch (e) {
    const err = e instanceof StoreError ? e.error : serverError("E_STORE", `replay failed: ${(e as Error).message}`);
    res.end(sse("error", JSON.stringify(err)));
  }
}
