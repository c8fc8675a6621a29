// Composition of the telemetry server: store, ingest, cumulative view, HTTP routes, WebSocket
// ingest, retention, and an orderly shutdown that stores everything accepted before closing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Cumulative } from "./cumulative.ts";
import { createRouter } from "./http-routes.ts";
import { Ingestor, streamFromStore } from "./ingest.ts";
import { DEFAULT_LIMITS, type Limits } from "./limits.ts";
import { OtlpIngest } from "./otlp-ingest.ts";
import { PromIndex } from "./prom-index.ts";
import { DEFAULT_PROMQL_LIMITS, type PromqlLimits } from "./promql/query.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/store.ts";
import { createWsHandler } from "./ws-handler.ts";

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
  readonly log?: (line: string) => void;
  /** How /metrics names scaled units: "base" (default, ms shown as seconds) or "declared". */
  readonly prometheusUnits?: "base" | "declared";
  /** PromQL query timeout, samples cap, lookback delta, default subquery step. */
  readonly promql?: Partial<PromqlLimits>;
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
  const store = await openStore({ path: options.store });
  const cumulative = new Cumulative();
  const ingest = new Ingestor(store, limits, {
    log,
    committed(unit, streams) {
      for (const key of unit.touched) {
        const s = streams.get(key);
        if (s) cumulative.addStream(s);
      }
      if (unit.points.length > 0) cumulative.apply(unit.points);
    },
  });
  await ingest.init();
  for (const s of await store.loadAllBatchStreams()) cumulative.addStream(streamFromStore(s));
  cumulative.load(await store.cumulative());

  let shuttingDown = false;
  const otlp = new OtlpIngest(ingest, cumulative, limits);
  const index = await PromIndex.load(store);
  const promql: PromqlLimits = { ...DEFAULT_PROMQL_LIMITS, ...options.promql };
  const ctx = { ingest, store, cumulative, limits, otlp, index, promql, token: options.token, prometheusUnits: options.prometheusUnits, shuttingDown: () => shuttingDown };
  const ws = createWsHandler(ctx);
  const server: Server = createServer(createRouter(ctx));
  server.on("upgrade", ws.upgrade);
  server.on("clientError", (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":{"code":"E_BAD_REQUEST","message":"malformed HTTP request"}}');
  });
  server.keepAliveTimeout = 65_000;
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
        .runExclusive(() => store.deleteOlderThan(Date.now() - retainMs))
        .then((n) => n > 0 && log(`retention: deleted ${n} rows older than ${retainMs} ms`))
        .catch((e: unknown) => log(`retention failed: ${(e as Error).message}`));
    };
    retention = setInterval(sweep, options.retainEveryMs ?? Math.min(Math.max(retainMs / 10, 1000), 3_600_000));
    retention.unref();
    sweep();
  }

  const streamIdleMs = options.streamIdleMs ?? 300_000;
  const idleSweep = setInterval(() => ingest.closeIdle(streamIdleMs), Math.min(Math.max(streamIdleMs / 4, 50), 60_000));
  idleSweep.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      if (retention) clearInterval(retention);
      clearInterval(idleSweep);
      server.close();
      server.closeIdleConnections();
      // Everything accepted before the flag was raised is committed (and acknowledged) first.
      await ingest.drain();
      ws.closeAll(1001, JSON.stringify({ code: "E_SHUTTING_DOWN" }));
      server.closeAllConnections();
      // Let the connections' close handlers record their streams as closed, then stop queueing.
      await new Promise((r) => setTimeout(r, 50));
      await ingest.stop();
      await store.close();
    })();
    return closing;
  };
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, port, store, close };
}
