// Composition of the telemetry server: store, ingest, cumulative view, HTTP routes, WebSocket
// ingest, retention, and an orderly shutdown that stores everything accepted before closing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "./config.ts";
import { Cumulative } from "./query/cumulative.ts";
import type { ExpositionFormat } from "../exposition/prometheus-text.ts";
import { Forwarding, type RemoteWriteOptions } from "./forward/forwarding.ts";
import { errorBody, httpStatus, serverError } from "./errors.ts";
import { send } from "./http/http-util.ts";
import { createRouter } from "./http/http-routes.ts";
import { Ingestor } from "./ingest/ingest.ts";
import { streamFromStore } from "./ingest/stream-cache.ts";
import { DEFAULT_LIMITS, type Limits } from "./ingest/limits.ts";
import { OtlpIngest } from "./otlp/otlp-ingest.ts";
import { PromIndex } from "./remote-write/prom-index.ts";
import { DEFAULT_PROMQL_LIMITS, type PromqlLimits } from "./promql/query.ts";
import { nativeCatalog } from "./promql/native-catalog.ts";
import { PromqlPool } from "./promql/promql-pool.ts";
import { SampleHead } from "./promql/sample-head.ts";
import { openStore } from "./store/open-store.ts";
import { libuvPoolSize, THREADS_FOR_INGEST } from "./store/query-pool.ts";
import { DEFAULT_STORE_LIMITS, type StoreLimits } from "./store/store-limits.ts";
import type { Store } from "./store/store.ts";
import { storeIdentity } from "./store/store-identity.ts";
import { createWsHandler } from "./http/ws-handler.ts";
import { OtlpLogs } from "./otlp/otlp-logs.ts";
import { EventTail } from "./tail/event-tail.ts";

/** Default of `--tail-buffer`. */
export const DEFAULT_TAIL_BUFFER = 1024 * 1024;

export interface ServerOptions {
  readonly store: string;
  readonly host?: string;
  readonly port?: number;
  readonly token?: string;
  /** Delete points and events older than this many ms (checked every retainEvery ms). */
  readonly retainMs?: number;
  readonly retainEveryMs?: number;
  /** An HTTP batch stream with no batch for this long is logged closed (default 5 minutes). */
  readonly streamIdleMs?: number;
  readonly limits?: Partial<Limits>;
  /** Query time, concurrency, result bytes, DuckDB memory and temp space (store-limits.ts). */
  readonly storeLimits?: Partial<StoreLimits>;
  readonly log?: (line: string) => void;
  /** How /metrics names scaled units: "base" (default, ms shown as seconds) or "declared". */
  readonly prometheusUnits?: "base" | "declared";
  /** Connection cap and timeouts (defaults: DEFAULT_CONNECTION_LIMITS). */
  readonly connections?: Partial<ConnectionLimits>;
  /** Wraps the opened store (tests inject store faults through the Store interface with it). */
  readonly wrapStore?: (store: Store) => Store;
  /** Unsent bytes a live-tail client may have queued before its events are dropped (default 1 MiB). */
  readonly tailBuffer?: number;
  /** PromQL query timeout, samples cap, lookback delta, default subquery step. */
  readonly promql?: Partial<PromqlLimits>;
  /** Forward every stored point to these remote-write receivers (src/server/forward/). */
  readonly remoteWrite?: RemoteWriteOptions;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  /** Stops accepting, stores everything already accepted, closes the store. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const storeLimits = { ...DEFAULT_STORE_LIMITS, ...options.storeLimits, maxQueries: queryConcurrency(options.storeLimits?.maxQueries, log) };
  const opened = await openStore({ path: options.store, limits: storeLimits });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;
  const cumulative = new Cumulative();
  let forwarding: Forwarding | undefined;
  const tail = new EventTail(options.tailBuffer ?? DEFAULT_TAIL_BUFFER);
  const ingest = new Ingestor(store, limits, {
    log,
    eventsStored: (events) => tail.publish(events),
    committed(unit, streams) {
      for (const key of unit.touched) {
        const s = streams.get(key);
        if (s) cumulative.addStream(s);
      }
      if (unit.points.length > 0) cumulative.apply(unit.points);
      if (unit.batches.length > 0) forwarding?.wake(store.lastCommit());
    },
  });
  await ingest.init();
  for (const s of await store.loadAllBatchStreams()) cumulative.addStream(streamFromStore(s));
  cumulative.load(await store.cumulative());
  const units = options.prometheusUnits ?? "base";
  forwarding = options.remoteWrite?.destinations.length ? new Forwarding(options.remoteWrite, store, cumulative.catalog, units, log) : undefined;
  await forwarding?.start();

  let shuttingDown = false;
  const otlp = new OtlpIngest(ingest, cumulative, limits);
  const otlpLogs = new OtlpLogs(ingest, limits);
  const index = await PromIndex.load(store);
  const promql: PromqlLimits = { ...DEFAULT_PROMQL_LIMITS, ...options.promql };
  const head = promql.headSamples > 0 ? new SampleHead(promql.headSamples, await storedUpTo(store)) : undefined;
  const headReader = head && (async (ids: readonly number[], mint: number, maxt: number) => (head.covers(mint) ? head.read(ids, mint, maxt) : undefined));
  const promqlPool =
    promql.workers > 0
      ? new PromqlPool(promql.workers, { store, catalog: () => nativeCatalog(cumulative, units), ...(headReader ? { head: headReader } : {}) })
      : undefined;
  const ctx = {
    ingest,
    store,
    cumulative,
    limits,
    otlp,
    otlpLogs,
    tail,
    index,
    promql,
    ...(promqlPool ? { promqlPool } : {}),
    ...(head && headReader ? { head, headReader } : {}),
    token: options.token,
    storeId: storeIdentity(options.store),
    prometheusUnits: options.prometheusUnits,
    forwardMetrics: forwarding ? (format: ExpositionFormat) => forwarding.metrics(format) : undefined,
    shuttingDown: () => shuttingDown,
  };
  const ws = createWsHandler(ctx);
  const conn: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connections };
  const server: Server = createServer(
    {
      // Node checks these timeouts on a timer: check often enough that a short timeout holds.
      connectionsCheckingInterval: Math.min(Math.max(Math.min(conn.headerTimeoutMs, conn.bodyTimeoutMs) / 4, 100), 30_000),
      headersTimeout: Math.min(conn.headerTimeoutMs, conn.bodyTimeoutMs),
      requestTimeout: conn.bodyTimeoutMs,
      keepAliveTimeout: conn.idleTimeoutMs,
    },
    createRouter(ctx),
  );
  server.maxConnections = conn.maxConnections;
  // `Expect: 100-continue` (curl sends it for bodies over 1 MiB): refuse a body declared too large
  // before it is sent, instead of reading and discarding it.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (!(declared > limits.maxBody)) {
      res.writeContinue();
      return server.emit("request", req, res);
    }
    const e = serverError("E_TOO_BIG", `body of ${declared} bytes exceeds the limit of ${limits.maxBody}`);
    send(res, httpStatus(e), errorBody(e), false, { connection: "close" });
  });
  server.on("upgrade", ws.upgrade);
  server.on("clientError", (e: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || e.code === "ECONNRESET") return void socket.destroy();
    socket.end(clientErrorResponse(e, conn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4318, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";

  let retention: NodeJS.Timeout | undefined;
  if (options.retainMs) {
    const retainMs = options.retainMs;
    const sweep = () => {
      ingest
        .runExclusive(async () => {
          const before = Date.now() - retainMs;
          const n = await store.deleteOlderThan(before);
          head?.dropBefore(before);
          return n;
        })
        .then((n) => n > 0 && log(`retention: deleted ${n} rows older than ${retainMs} ms`))
        .catch((e: unknown) => log(`retention failed: ${(e as Error).message}`));
    };
    retention = setInterval(sweep, options.retainEveryMs ?? Math.min(Math.max(retainMs / 10, 1000), 3_600_000));
    retention.unref();
    sweep();
  }

  const streamIdleMs = options.streamIdleMs ?? 300_000;
  const idleSweep = setInterval(() => ingest.liveness.closeIdle(streamIdleMs), Math.min(Math.max(streamIdleMs / 4, 50), 60_000));
  idleSweep.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      // A running query would hold the store (and the process's exit) until its deadline.
      const interrupted = store.interruptQueries();
      if (retention) clearInterval(retention);
      clearInterval(idleSweep);
      // Resolves once every HTTP connection has closed (and its close handler has run).
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Everything accepted before the flag was raised is committed (and acknowledged) first.
      await ingest.drain();
      // Their clients get 503 E_SHUTTING_DOWN before the connections close (--shutdown-grace bounds this).
      await interrupted;
      tail.closeAll();
      const wsClosed = ws.closeAll(1001, JSON.stringify({ code: "E_SHUTTING_DOWN" }));
      server.closeAllConnections();
      // The connections' close handlers record their streams as closed; then stop queueing.
      await Promise.all([httpClosed, wsClosed]);
      await ingest.stop();
      // Unconfirmed spans stay pending in the store; the next start sends them again.
      await forwarding?.stop();
      await promqlPool?.close();
      await store.close();
    })();
    return closing;
  };
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, port, store, close };
}

/** The raw HTTP answer to a request Node's parser refused, or one that took too long to arrive. */
function clientErrorResponse(e: NodeJS.ErrnoException, conn: ConnectionLimits): string {
  const [status, text, code, message] =
    e.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [
          408,
          "Request Timeout",
          "E_TIMEOUT",
          `request not received in time (headers within ${conn.headerTimeoutMs} ms, the whole request within ${conn.bodyTimeoutMs} ms)`,
        ]
      : e.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "E_TOO_BIG", "request headers too large"]
        : [400, "Bad Request", "E_BAD_REQUEST", "malformed HTTP request"];
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * Each running query holds a libuv thread until DuckDB returns, and ingest needs some too. The
 * pool's size is fixed when the process first uses it (bin/telemetry-server.cjs raises it before
 * that): an explicit limit that does not fit is an error; the default shrinks to fit, with a note.
 */
function queryConcurrency(asked: number | undefined, log: (line: string) => void): number {
  const pool = libuvPoolSize();
  const fits = Math.max(pool - THREADS_FOR_INGEST, 1);
  if (asked !== undefined && asked > fits) {
    throw new Error(
      `--max-queries ${asked} needs UV_THREADPOOL_SIZE of at least ${asked + THREADS_FOR_INGEST} (it is ${pool}); set it in the environment that starts node`,
    );
  }
  const n = asked ?? Math.min(DEFAULT_STORE_LIMITS.maxQueries, fits);
  if (asked === undefined && n < DEFAULT_STORE_LIMITS.maxQueries)
    log(
      `queries: at most ${n} at once, since UV_THREADPOOL_SIZE is ${pool} (set it to ${DEFAULT_STORE_LIMITS.maxQueries + THREADS_FOR_INGEST} or more for the default of ${DEFAULT_STORE_LIMITS.maxQueries})`,
    );
  return n;
}

/**
 * The latest remote-written sample time in the store (ms), -Infinity when there is none: the head
 * covers what comes after. If the store cannot say, the head covers nothing (queries read the store).
 */
async function storedUpTo(store: Store): Promise<number> {
  try {
    const [[t] = [null]] = await store.readRows("SELECT epoch_ms(max(time))::DOUBLE FROM prom_samples", {}, 600_000);
    return t === null || t === undefined ? -Infinity : Number(t);
  } catch {
    return Infinity;
  }
}
