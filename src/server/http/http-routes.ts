// The HTTP API. Ingest: POST /v1/batches (msgpack batch), POST /v1/events (NDJSON), POST /v1/logs (OTLP). Reading:
// GET /api/v1/events/tail (server-sent events), POST /api/v1/sql, GET /api/v1/series?metric=, GET /api/v1/store (which file is open), GET /metrics. OTLP/HTTP: POST /v1/metrics.
// Prometheus: POST /api/v1/write (remote write), and the query API under /api/v1 (promql/http-api.ts).
// GET /healthz needs no token.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { httpStatus, isServerError, serverError, type ServerError } from "../errors.ts";
import { authorized, decodeUtf8, headerRecord, readBody, remoteOf, retryHeaders, send, sendError, wantsMsgpack } from "./http-util.ts";
import type { EventStreamHandle } from "../ingest/event-ingest.ts";
import type { Ack } from "../ingest/ingest.ts";
import { splitMsgpack } from "../ingest/decode-msgpack.ts";
import { negotiate } from "../../exposition/prometheus-text.ts";
import { otlpLogs, otlpMetrics } from "../otlp/otlp-route.ts";
import { tailRoute } from "../tail/tail-route.ts";
import { renderPrometheus } from "../query/prometheus.ts";
import { withForwardMetrics } from "../forward/forward-metrics.ts";
import { createQueryApi } from "../promql/http-api.ts";
import { remoteWrite } from "../remote-write/remote-write.ts";
import type { RouteContext } from "./route-context.ts";
import { parseSeriesParams, seriesQuery } from "../query/series-api.ts";
import { StoreError } from "../store/store.ts";

const MSGPACK_TYPES = /^application\/(x-)?(vnd\.)?msgpack|^application\/octet-stream/;

export function createRouter(ctx: RouteContext) {
  // One event stream per keep-alive connection: the headers and address are recorded once.
  const eventStreams = new WeakMap<Socket, EventStreamHandle>();
  const queryApi = createQueryApi(ctx);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path === "/healthz") return send(res, 200, { ok: true });
    if (!authorized(req.headers.authorization, ctx.token)) return sendError(res, serverError("E_UNAUTHORIZED", "missing or wrong bearer token"));
    const is = (method: string, p: string) => path === p && (req.method === method || (method === "GET" && req.method === "HEAD"));
    if (is("POST", "/v1/batches")) return batches(req, res);
    if (is("POST", "/v1/events")) return events(req, res);
    if (is("POST", "/api/v1/sql") || is("GET", "/api/v1/sql")) return query(req, res, url);
    if (is("POST", "/api/v1/write")) return remoteWrite(req, res, ctx);
    if (is("GET", "/api/v1/events/tail")) return tailRoute(req, res, url, ctx);
    if (is("GET", "/api/v1/store")) return send(res, 200, { id: ctx.storeId ?? null });
    // The JSON series endpoint keeps its `metric=` form; Prometheus's series API takes match[].
    if (is("GET", "/api/v1/series") && url.searchParams.has("metric") && !url.searchParams.has("match[]")) return series(res, url);
    if (path.startsWith("/api/v1/") && (await queryApi(path, req, res, url))) return;
    if (is("POST", "/v1/metrics")) return otlpMetrics(req, res, ctx);
    if (is("POST", "/v1/logs")) return otlpLogs(req, res, ctx);
    if (is("GET", "/metrics")) {
      const { format, contentType } = negotiate(req.headers.accept);
      const own = ctx.forwardMetrics?.(format) ?? "";
      const body = withForwardMetrics(renderPrometheus(ctx.cumulative, format, ctx.prometheusUnits), own);
      res.writeHead(200, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) });
      return void res.end(req.method === "HEAD" ? undefined : body);
    }
    const known = ["/v1/batches", "/v1/events", "/v1/metrics", "/v1/logs", "/api/v1/events/tail", "/api/v1/sql", "/api/v1/write", "/api/v1/store", "/metrics"];
    if (known.includes(path)) return sendError(res, serverError("E_METHOD", `${req.method} not allowed on ${path}`));
    return sendError(res, serverError("E_NOT_FOUND", `no route ${path}`));
  }

  async function batches(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const mp = wantsMsgpack(req);
    const type = String(req.headers["content-type"] ?? "application/msgpack");
    if (!MSGPACK_TYPES.test(type)) return sendError(res, serverError("E_BAD_CONTENT_TYPE", `expected application/msgpack, got ${type}`), mp);
    if (ctx.shuttingDown()) return sendError(res, serverError("E_SHUTTING_DOWN", "server is shutting down"), mp);
    const body = await readBody(req, ctx.limits.maxBody);
    if (isServerError(body)) return sendError(res, body, mp);
    // One batch, or several back to back (the HTTP exporter sends what is pending in one POST):
    // accepted in order, answered with the last one's ack once all are committed.
    const parts = splitMsgpack(body);
    if (isServerError(parts)) return sendError(res, parts, mp);
    const client = { remote: remoteOf(req), headers: headerRecord(req) };
    const accepted: Promise<Ack | ServerError>[] = [];
    for (const part of parts) {
      const r = await ctx.ingest.acceptBatch(part, client);
      if (isServerError(r)) return sendError(res, r, mp);
      accepted.push(r.stored);
    }
    const acks = await Promise.all(accepted);
    const failed = acks.find(isServerError);
    if (failed) return sendError(res, failed, mp);
    send(res, 200, acks[acks.length - 1], mp);
  }

  async function events(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (ctx.shuttingDown()) return sendError(res, serverError("E_SHUTTING_DOWN", "server is shutting down"));
    const body = await readBody(req, ctx.limits.maxBody);
    if (isServerError(body)) return sendError(res, body);
    const text = decodeUtf8(body);
    if (isServerError(text)) return sendError(res, text);
    let handle = eventStreams.get(req.socket);
    if (!handle) {
      const h = ctx.ingest.events.open({ remote: remoteOf(req), headers: headerRecord(req) });
      handle = h;
      eventStreams.set(req.socket, h);
      req.socket.once("close", () => ctx.ingest.liveness.closeEvents(h));
    }
    const r = await ctx.ingest.events.ingestNdjson(handle, text);
    if ("error" in r) return send(res, httpStatus(r.error), { error: r.error, stored: 0, rejected: r.rejected, errors: r.errors });
    if (isServerError(r))
      return send(res, httpStatus(r), { error: serverError(r.code, r.message, r.where), stored: "stored" in r ? r.stored : 0 }, false, retryHeaders(r));
    send(res, 200, r);
  }

  async function query(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let sql = url.searchParams.get("sql");
    let maxRows = Number(url.searchParams.get("max_rows") ?? 10_000);
    if (req.method === "POST") {
      const body = await readBody(req, 1024 * 1024);
      if (isServerError(body)) return sendError(res, body);
      const text = decodeUtf8(body);
      if (isServerError(text)) return sendError(res, text);
      if (/json/.test(String(req.headers["content-type"] ?? ""))) {
        try {
          const o = JSON.parse(text) as { sql?: unknown; max_rows?: unknown };
          sql = typeof o.sql === "string" ? o.sql : null;
          if (typeof o.max_rows === "number") maxRows = o.max_rows;
        } catch {
          return sendError(res, serverError("E_BAD_JSON", 'expected {"sql": "..."}'));
        }
      } else sql = text;
    }
    if (!sql) return sendError(res, serverError("E_BAD_QUERY", "no SQL given (POST a body, or ?sql=)"));
    if (!Number.isSafeInteger(maxRows) || maxRows < 1 || maxRows > 1_000_000)
      return sendError(res, serverError("E_BAD_PARAM", "max_rows must be 1..1000000", "max_rows"));
    try {
      send(res, 200, await ctx.store.query(sql, { maxRows }));
    } catch (e) {
      sendError(res, e instanceof StoreError ? e.error : serverError("E_STORE", (e as Error).message));
    }
  }

  async function series(res: ServerResponse, url: URL): Promise<void> {
    const p = parseSeriesParams(url.searchParams);
    if (isServerError(p)) return sendError(res, p);
    try {
      send(res, 200, await seriesQuery(ctx.store, ctx.cumulative, p));
    } catch (e) {
      sendError(res, e instanceof StoreError ? e.error : serverError("E_STORE", (e as Error).message));
    }
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((e: unknown) => {
      // A bug must not take the server down: answer 500 and keep serving.
      const err: ServerError = serverError("E_STORE", `internal error: ${(e as Error).message}`);
      sendError(res, err);
    });
  };
}
