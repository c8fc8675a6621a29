// `telemetry-server`: run the server, or read from its store with `telemetry-server query "SQL"`.
import { isServerError, serverError, type ServerError } from "../server/errors.ts";
import { OPTIONS, readFlags, serveConfig, type ServeConfig } from "../server/config.ts";
import { startServer, type RunningServer } from "../server/server.ts";
import { isLockedError, openStore } from "../server/store/open-store.ts";
import { storeIdentity } from "../server/store/store-identity.ts";
import { StoreError, type QueryResult } from "../server/store/store.ts";
import { tail, TAIL_HELP } from "./tail-command.ts";

const HELP = `Usage:
  telemetry-server [serve] [options]      listen for batches and events, store them
  telemetry-server query "SELECT ..."     run one read-only SQL statement against the store
  telemetry-server tail [--name job.*] [--severity warn] [--since 5m]   print events as they are stored

Serve options (environment variable in brackets):
${OPTIONS.map(([flag, env, def, text]) => `  ${flag.padEnd(34)} ${text}${def ? ` (default ${def})` : ""} [${env}]`).join("\n")}
  --help                 show this text

Query options:
  --url <url>            server to ask (default http://$TELEMETRY_HOST:$TELEMETRY_PORT, i.e. http://127.0.0.1:4318)
  --store <path>         read this file [TELEMETRY_STORE]: opened read-only, or, while a server holds it,
                         asked through --url only if that server has this same file open (else an error).
                         Without it: the server at --url, else ./telemetry.duckdb read-only
  --token <token>        bearer token for the server [TELEMETRY_TOKEN]
  --json                 print {columns, rows, truncated} as JSON instead of a table

${TAIL_HELP}

Endpoints: POST /v1/batches (msgpack), POST /v1/events (NDJSON), WebSocket /v1/ws, POST /v1/metrics and /v1/logs
(OTLP/HTTP, protobuf or JSON, gzip), GET /api/v1/events/tail (server-sent events), POST /api/v1/write (Prometheus remote write), POST /api/v1/sql, GET /api/v1/series?metric=,
GET /api/v1/store, GET /metrics, GET /healthz; Prometheus query API (PromQL): /api/v1/query, /api/v1/query_range,
/api/v1/labels, /api/v1/label/<name>/values, /api/v1/series?match[]=, /api/v1/metadata. See docs/server.md and
docs/query-api.md. Query limits (time, concurrency, result size, memory) and shutdown: docs/server.md#limits.
`;

/** Usage errors (bad flags) exit 2; failures of the environment (files, ports, the store) exit 1. */
function fail(e: ServerError | string): never {
  const err = typeof e === "string" ? { code: "E_BAD_PARAM", message: e } : e;
  writeSafely(process.stderr, `telemetry-server: ${err.code}: ${err.message}${"where" in err && err.where ? ` (${err.where})` : ""}\n`);
  process.exit(err.code === "E_BAD_PARAM" ? 2 : 1);
}

/** Output that can vanish (`telemetry-server | head`): after EPIPE the stream is written no more. */
const broken = new WeakSet<NodeJS.WriteStream>();
function writeSafely(stream: NodeJS.WriteStream, text: string): void {
  if (broken.has(stream)) return;
  try {
    stream.write(text);
  } catch {
    broken.add(stream);
  }
}
function guardOutput(stream: NodeJS.WriteStream): void {
  // Without a listener an EPIPE becomes an uncaught exception, whose handler logs to the same pipe.
  stream.on("error", () => broken.add(stream));
}
const isPipeError = (e: unknown): boolean => ["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"].includes(String((e as NodeJS.ErrnoException)?.code));

/** A startup failure as one line: which resource, what went wrong, what to do. */
function startupError(e: unknown, config: ServeConfig): ServerError {
  const err = e as NodeJS.ErrnoException;
  const where = `${config.host}:${config.port}`;
  if (err?.code === "EADDRINUSE") return serverError("E_ADDR_IN_USE", `${where} is already in use (another telemetry-server?); stop it or pick another --port`, "--port");
  if (err?.code === "EADDRNOTAVAIL") return serverError("E_IO", `cannot listen on ${where}: no such local address`, "--host");
  if (err?.code === "EACCES" && err.syscall === "listen") return serverError("E_IO", `not allowed to listen on ${where} (ports below 1024 need privileges)`, "--port");
  if (isLockedError(e)) return serverError("E_IO", `${config.store} is locked by another process (a running telemetry-server?)`, "--store");
  return serverError("E_IO", `cannot start with store ${config.store}: ${err?.message ?? String(e)}`);
}

const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || /^127\./.test(host);

async function serve(flags: Map<string, string>): Promise<void> {
  const config = serveConfig(flags);
  if (isServerError(config)) fail(config);
  guardOutput(process.stdout);
  guardOutput(process.stderr);
  const log = (line: string) => writeSafely(process.stdout, `${new Date().toISOString()} ${line}\n`);
  // Bad input is answered, never fatal: keep serving through anything a request can trigger.
  process.on("unhandledRejection", (e) => log(`unhandled rejection: ${String((e as Error)?.stack ?? e)}`));
  process.on("uncaughtException", (e) => {
    if (isPipeError(e)) return;
    log(`uncaught exception: ${String(e?.stack ?? e)}`);
  });
  if (!config.token && !isLoopback(config.host)) {
    writeSafely(
      process.stderr,
      `telemetry-server: warning: listening on ${config.host} without a token: anyone who can reach this port can write and read telemetry. Set TELEMETRY_TOKEN or --token-file.\n`,
    );
  }
  let server: RunningServer;
  try {
    server = await startServer({ ...config, limits: { maxBody: config.maxBody, requireEventFields: config.requireEventFields }, tailBuffer: config.tailBuffer, log });
  } catch (e) {
    fail(startupError(e, config));
  }
  log(`listening on ${server.url} store=${config.store}${config.token ? " token=required" : ""}${config.retainMs ? ` retain=${config.retainMs}ms` : ""}`);
  let stopping = false;
  // process.exit waits for every running DuckDB call to return, and DuckDB checks for an interrupt
  // only between chunks, so a forced exit is a SIGKILL: what was acknowledged is committed already.
  const exitNow = (why: string) => {
    log(why);
    void server.store.interruptQueries();
    process.kill(process.pid, "SIGKILL");
  };
  const stop = (signal: string) => {
    if (stopping) return exitNow(`${signal} again: exiting now`);
    stopping = true;
    log(`${signal}: storing what is pending, then closing the store (at most ${config.shutdownGraceMs} ms; a second ${signal} exits at once)`);
    setTimeout(() => exitNow(`shutdown did not finish within ${config.shutdownGraceMs} ms (--shutdown-grace): exiting now`), config.shutdownGraceMs).unref();
    server.close().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (e: unknown) => {
        log(`shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function printTable(r: QueryResult): void {
  const cells = r.rows.map((row) => row.map((v) => (v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v))));
  const widths = r.columns.map((c, i) => Math.min(60, Math.max(c.name.length, ...cells.map((row) => row[i].length))));
  const line = (vals: string[]) => vals.map((v, i) => (v.length > widths[i] ? v.slice(0, widths[i] - 1) + "…" : v.padEnd(widths[i]))).join(" | ");
  process.stdout.write(line(r.columns.map((c) => c.name)) + "\n" + widths.map((w) => "-".repeat(w)).join("-+-") + "\n");
  for (const row of cells) process.stdout.write(line(row) + "\n");
  process.stdout.write(`(${r.rows.length} row${r.rows.length === 1 ? "" : "s"}${r.truncated ? ", truncated" : ""})\n`);
}

interface QueryTarget {
  readonly url: string;
  readonly token?: string;
}

/** Asks the server at `url`; undefined when nothing listens there. */
async function ask<T>(target: QueryTarget, path: string, body?: unknown): Promise<T | undefined> {
  try {
    const res = await fetch(`${target.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const reply = (await res.json()) as T | { error: ServerError };
    if (typeof reply === "object" && reply !== null && "error" in reply) fail(reply.error);
    return reply;
  } catch (e) {
    if (/fetch failed|ECONNREFUSED/.test(String((e as Error).message) + String((e as { cause?: Error }).cause?.message))) return undefined;
    throw e;
  }
}

/** Opens `path` read-only and runs the query; "locked" when another process (a server) holds it. */
async function queryFile(path: string, sql: string): Promise<QueryResult | "locked"> {
  let store;
  try {
    store = await openStore({ path, readOnly: true });
  } catch (e) {
    if (isLockedError(e)) return "locked";
    fail(`cannot open ${path}: ${(e as Error).message}`);
  }
  try {
    return await store.query(sql);
  } catch (e) {
    fail(e instanceof StoreError ? e.error : String((e as Error).message));
  } finally {
    await store.close();
  }
}

/**
 * With a store named (`--store` or TELEMETRY_STORE) the answer comes from that file: read-only
 * when no process holds it, else from the server at `--url` only if that server reports the same
 * file open (GET /api/v1/store). Without one, the server at `--url` answers, and the default file
 * is opened read-only when nothing listens there.
 */
async function query(sql: string | undefined, flags: Map<string, string>): Promise<void> {
  if (!sql) fail('query needs one SQL statement, e.g. telemetry-server query "SELECT count(*) FROM points"');
  const host = process.env.TELEMETRY_HOST ?? "127.0.0.1";
  const token = flags.get("token") ?? process.env.TELEMETRY_TOKEN;
  const target: QueryTarget = { url: flags.get("url") ?? `http://${host}:${process.env.TELEMETRY_PORT ?? "4318"}`, ...(token ? { token } : {}) };
  const named = flags.get("store") ?? process.env.TELEMETRY_STORE;
  let result: QueryResult | "locked" | undefined;
  if (named !== undefined) {
    result = await queryFile(named, sql);
    if (result === "locked") {
      const served = await ask<{ id: string | null }>(target, "/api/v1/store");
      const id = storeIdentity(named);
      if (served === undefined || served.id === null || served.id !== id) {
        fail(
          `${named} is held by another process, and the server at ${target.url} ${served === undefined ? "does not answer" : "has a different store open"}: pass --url of the server that has ${named} open`,
        );
      }
      result = await ask<QueryResult>(target, "/api/v1/sql", { sql });
    }
  } else {
    // A running server holds the file's write lock, so ask it first.
    result = await ask<QueryResult>(target, "/api/v1/sql", { sql });
    if (result === undefined) {
      const path = "./telemetry.duckdb";
      result = await queryFile(path, sql);
      if (result === "locked") fail(`no server answers at ${target.url} and ${path} is locked by another process: pass --url`);
    }
  }
  if (result === undefined) fail(`no answer from ${target.url}`);
  if (flags.get("json")) process.stdout.write(JSON.stringify(result) + "\n");
  else printTable(result);
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = readFlags(argv);
  if (isServerError(parsed)) fail(parsed);
  const { flags, rest } = parsed;
  if (flags.get("help")) {
    process.stdout.write(HELP);
    return;
  }
  const [command = "serve", ...args] = rest;
  if (command === "serve") return serve(flags);
  if (command === "query") return query(args.join(" "), flags);
  if (command === "tail") {
    guardOutput(process.stdout);
    const e = await tail(
      flags,
      (line) => writeSafely(process.stdout, `${line}\n`),
      (line) => writeSafely(process.stderr, `${line}\n`),
    );
    if (e) fail(e);
    return;
  }
  fail(`unknown command ${command}; see --help`);
}

main(process.argv.slice(2)).catch((e: unknown) => fail(serverError("E_IO", String((e as Error)?.message ?? e))));
