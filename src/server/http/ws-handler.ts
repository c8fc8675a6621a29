// WebSocket ingest at /v1/ws. Binary frames carry msgpack batches and are answered with a msgpack
// ack `{ seq, stored }` once stored; text frames carry one JSON event each and are answered with
// JSON `{ stored, total }`. A bad frame gets an error frame (the full JSON error, as msgpack for
// binary and JSON text for text frames), then the connection is closed with 1007/1009 and a short
// JSON reason. Batches on one connection are accepted in order and acked in order.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { errorBody, isServerError, serverError, wsCloseCode, wsCloseReason, type ServerError } from "../errors.ts";
import { parseEvent } from "../ingest/events.ts";
import { authorized, headerRecord, remoteOf } from "./http-util.ts";
import type { Ingestor } from "../ingest/ingest.ts";
import { msgpack } from "../../wire/msgpack.ts";
import type { Limits } from "../ingest/limits.ts";

export const WS_PATH = "/v1/ws";

export interface WsContext {
  readonly ingest: Ingestor;
  readonly limits: Limits;
  readonly token?: string;
  readonly shuttingDown: () => boolean;
}

const asBytes = (d: RawData): Uint8Array => (Array.isArray(d) ? Buffer.concat(d) : d instanceof ArrayBuffer ? new Uint8Array(d) : d);

export function createWsHandler(ctx: WsContext) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: ctx.limits.maxBody, perMessageDeflate: false });

  function refuseUpgrade(socket: Duplex, status: number, e: ServerError): void {
    const body = JSON.stringify(errorBody(e));
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Not Found"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== WS_PATH) return refuseUpgrade(socket, 404, serverError("E_NOT_FOUND", `WebSocket endpoint is ${WS_PATH}`));
    if (!authorized(req.headers.authorization, ctx.token)) return refuseUpgrade(socket, 401, serverError("E_UNAUTHORIZED", "missing or wrong bearer token"));
    wss.handleUpgrade(req, socket, head, (ws) => connection(ws, req));
  }

  function connection(ws: WebSocket, req: IncomingMessage): void {
    const client = { remote: remoteOf(req), headers: headerRecord(req) };
    const events = ctx.ingest.events.open(client);
    const batchStreams = new Set<string>();
    let accepting: Promise<unknown> = Promise.resolve();
    let failed = false;
    let alive = true;

    const fail = (e: ServerError, binary: boolean) => {
      if (failed) return;
      failed = true;
      if (ws.readyState === ws.OPEN) {
        ws.send(binary ? msgpack.pack(errorBody(e)) : JSON.stringify(errorBody(e)));
        ws.close(wsCloseCode(e), wsCloseReason(e));
      }
    };

    ws.on("message", (data, isBinary) => {
      if (failed) return;
      if (ctx.shuttingDown()) return fail(serverError("E_SHUTTING_DOWN", "server is shutting down"), isBinary);
      const bytes = asBytes(data);
      if (isBinary) {
        // Accept strictly in arrival order; commits (and so acks) follow that order too.
        accepting = accepting
          .then(async () => {
            if (failed) return;
            const r = await ctx.ingest.acceptBatch(bytes, client);
            if (isServerError(r)) return fail(r, true);
            // Remember which streams this connection carried, to log them closed with it.
            if (!batchStreams.has(r.stream)) {
              batchStreams.add(r.stream);
              ctx.ingest.liveness.carry(r.stream, 1);
            }
            void r.stored.then((ack) => {
              if (isServerError(ack)) return fail(ack, true);
              if (ws.readyState === ws.OPEN) ws.send(msgpack.pack(ack));
            });
          })
          .catch((e: unknown) => fail(serverError("E_STORE", `internal error: ${(e as Error).message}`), true));
      } else {
        const text = Buffer.from(bytes).toString("utf8");
        const e = parseEvent(text, "frame", ctx.limits);
        if (isServerError(e)) return fail(e, false);
        accepting = accepting
          .then(async () => {
            const r = await ctx.ingest.events.ingestOne(events, e);
            if (isServerError(r)) return fail(r, false);
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(r));
          })
          .catch((e: unknown) => fail(serverError("E_STORE", `internal error: ${(e as Error).message}`), false));
      }
    });
    ws.on("error", (err) => {
      // ws raises here for protocol violations and payloads over maxPayload (it closes with 1009).
      if (/max payload|too big/i.test(err.message)) failed = true;
    });
    ws.on("pong", () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ping.unref();
    ws.on("close", () => {
      clearInterval(ping);
      const cleanup = accepting.finally(() => {
        ctx.ingest.liveness.closeEvents(events);
        for (const key of batchStreams) {
          // Another connection may carry the same stream (a reconnect racing the old socket's close).
          if (ctx.ingest.liveness.carry(key, -1) > 0) continue;
          const s = ctx.ingest.streamByKey(key);
          if (s) ctx.ingest.liveness.closeStream(s);
        }
      });
      cleanups.add(cleanup);
      void cleanup.finally(() => cleanups.delete(cleanup));
    });
  }

  /** Connections whose close is still being recorded (their streams logged and stored as closed). */
  const cleanups = new Set<Promise<unknown>>();

  /**
   * Closes every connection with `code`/`reason`, and resolves once each one's streams are recorded
   * as closed. A peer that does not answer the closing handshake within `graceMs` is cut.
   */
  async function closeAll(code: number, reason: string, graceMs = 2000): Promise<void> {
    const closed = [...wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once("close", () => resolve());
          ws.close(code, reason);
          setTimeout(() => ws.terminate(), graceMs).unref();
        }),
    );
    await Promise.all(closed);
    await Promise.allSettled([...cleanups]);
  }

  return { upgrade, closeAll, clients: () => wss.clients.size };
}
