// `telemetry-server`: run the server, or read from its store with `telemetry-server query "SQL"`.
import { isServerError, type ServerError } from "../server/errors.ts";
import { OPTIONS, readFlags, serveConfig } from "../server/config.ts";
import { startServer } from "../server/server.ts";
import { isLockedError, openStore } from "../server/store/open-store.ts";
import { StoreError, type QueryResult } from "../server/store/store.ts";

const HELP = `Usage:
  telemetry-server [serve] [options]      listen for batches and events, store them
  telemetry-server query "SELECT ..."     run one read-only SQL statement against the store

Serve options (environment variable in brackets):
${OPTIONS.map(([flag, env, def, text]) => `  ${flag.padEnd(34)} ${text}${def ? ` (default ${def})` : ""} [${env}]`).join("\n")}
  --help                 show this text

Query options:
  --url <url>            server to ask (default http://$TELEMETRY_HOST:$TELEMETRY_PORT, i.e. http://127.0.0.1:4318)
  --store <path>         file to open read-only when no server answers (default ./telemetry.duckdb)
  --token <token>        bearer token for the server [TELEMETRY_TOKEN]
  --json                 print {columns, rows, truncated} as JSON instead of a table

Endpoints: POST /v1/batches (msgpack), POST /v1/events (NDJSON), WebSocket /v1/ws, POST /v1/metrics (OTLP/HTTP,
protobuf or JSON, gzip), POST /api/v1/write (Prometheus remote write), POST /api/v1/sql, GET /api/v1/series?metric=,
GET /metrics, GET /healthz; Prometheus query API (PromQL): /api/v1/query, /api/v1/query_range, /api/v1/labels,
/api/v1/label/<name>/values, /api/v1/series?match[]=, /api/v1/metadata. See docs/server.md and docs/query-api.md.
`;

function fail(e: ServerError | string): never {
  const err = typeof e === "string" ? { code: "E_BAD_PARAM", message: e } : e;
  process.stderr.write(`telemetry-server: ${err.code}: ${err.message}${"where" in err && err.where ? ` (${err.where})` : ""}\n`);
  process.exit(2);
}

async function serve(flags: Map<string, string>): Promise<void> {
  const config = serveConfig(flags);
  if (isServerError(config)) fail(config);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  // Bad input is answered, never fatal: keep serving through anything a request can trigger.
  process.on("unhandledRejection", (e) => log(`unhandled rejection: ${String((e as Error)?.stack ?? e)}`));
  process.on("uncaughtException", (e) => log(`uncaught exception: ${String(e?.stack ?? e)}`));
  const server = await startServer({ ...config, limits: { maxBody: config.maxBody }, log });
  log(`listening on ${server.url} store=${config.store}${config.token ? " token=required" : ""}${config.retainMs ? ` retain=${config.retainMs}ms` : ""}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: storing what is pending, then closing the store`);
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

async function query(sql: string | undefined, flags: Map<string, string>): Promise<void> {
  if (!sql) fail('query needs one SQL statement, e.g. telemetry-server query "SELECT count(*) FROM points"');
  const host = process.env.TELEMETRY_HOST ?? "127.0.0.1";
  const url = flags.get("url") ?? `http://${host}:${process.env.TELEMETRY_PORT ?? "4318"}`;
  const token = flags.get("token") ?? process.env.TELEMETRY_TOKEN;
  let result: QueryResult | undefined;
  try {
    // A running server holds the file's write lock, so ask it first.
    const res = await fetch(`${url}/api/v1/sql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ sql }),
    });
    const body = (await res.json()) as QueryResult | { error: ServerError };
    if ("error" in body) fail(body.error);
    result = body;
  } catch (e) {
    if (!/fetch failed|ECONNREFUSED/.test(String((e as Error).message) + String((e as { cause?: Error }).cause?.message))) throw e;
  }
  if (!result) {
    const path = flags.get("store") ?? process.env.TELEMETRY_STORE ?? "./telemetry.duckdb";
    let store;
    try {
      store = await openStore({ path, readOnly: true });
    } catch (e) {
      fail(isLockedError(e) ? `no server answers at ${url} and ${path} is locked by another process: pass --url` : `cannot open ${path}: ${(e as Error).message}`);
    }
    try {
      result = await store.query(sql);
    } catch (e) {
      fail(e instanceof StoreError ? e.error : String((e as Error).message));
    } finally {
      await store.close();
    }
  }
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
  fail(`unknown command ${command}; see --help`);
}

main(process.argv.slice(2)).catch((e: unknown) => fail(String((e as Error)?.stack ?? e)));
