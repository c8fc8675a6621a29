// Command-line options and their environment equivalents for `telemetry-server`.
import { readFileSync } from "node:fs";
import { isServerError, serverError, type ServerError } from "./errors.ts";
import { parseDuration } from "./query/series-api.ts";
import type { StoreLimits } from "./store/store-limits.ts";
import { FORWARD_FLAGS, FORWARD_OPTIONS, forwardConfig, REPEATABLE_FLAGS, REPEATED_SEPARATOR } from "./forward/forward-config.ts";
import type { RemoteWriteOptions } from "./forward/forwarding.ts";

export interface ServeConfig {
  readonly store: string;
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly retainMs?: number;
  /** A batch stream sent over HTTP is logged closed after this long without a batch. */
  readonly streamIdleMs: number;
  readonly maxBody: number;
  /** NDJSON/WebSocket events must carry the four activity-event fields (`--event-fields required`). */
  readonly requireEventFields: boolean;
  /** Bytes a live-tail client may have waiting unsent before its events are dropped (and counted). */
  readonly tailBuffer: number;
  /** "base" (default): /metrics shows scaled units in base units (ms as seconds); "declared": as sent. */
  readonly prometheusUnits: "base" | "declared";
  /** Connection cap and timeouts against clients that hold sockets open (slowloris). */
  readonly connections: ConnectionLimits;
  /** Only what was given: the defaults live in store-limits.ts. */
  readonly storeLimits: Partial<StoreLimits>;
  /** After SIGTERM/SIGINT, the process exits within this long even if the store is not closed yet. */
  readonly shutdownGraceMs: number;
  /** PromQL bounds (docs/query-api.md). */
  readonly promql: { timeoutMs: number; maxSamples: number; lookbackMs: number; subqueryStepMs: number; nativeIntervalMs: number; workers: number; headSamples: number };
  /** Remote-write destinations and forwarding limits (absent: no --remote-write). */
  readonly remoteWrite?: RemoteWriteOptions;
}

export interface ConnectionLimits {
  /** Open TCP connections (HTTP and WebSocket together); more are closed as they arrive. */
  readonly maxConnections: number;
  /** Time to receive a request's headers, from the connection's first byte or its previous request. */
  readonly headerTimeoutMs: number;
  /** Time to receive a whole request, body included; past it the server answers 408 and closes. */
  readonly bodyTimeoutMs: number;
  /** A keep-alive connection with no request for this long is closed. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: 1000, headerTimeoutMs: 10_000, bodyTimeoutMs: 60_000, idleTimeoutMs: 65_000 };

export const OPTIONS = [
  ["--store <path>", "TELEMETRY_STORE", "./telemetry.duckdb", "DuckDB file to store into (created if missing)"],
  ["--host <host>", "TELEMETRY_HOST", "127.0.0.1", "address to listen on"],
  ["--port <port>", "TELEMETRY_PORT", "4318", "port to listen on (0 picks a free one)"],
  [
    "--token <token>",
    "TELEMETRY_TOKEN",
    "",
    "require `Authorization: Bearer <token>` on ingest, query and /metrics (visible in `ps`: prefer --token-file or the environment)",
  ],
  ["--token-file <path>", "TELEMETRY_TOKEN_FILE", "", "read the token from this file (surrounding whitespace ignored)"],
  ["--retain <duration>", "TELEMETRY_RETAIN", "", "delete points and events older than this (e.g. 7d, 12h); default keeps all"],
  [
    "--stream-idle <duration>",
    "TELEMETRY_STREAM_IDLE",
    "5m",
    "an HTTP batch stream with no batch for this long is logged and stored as closed (its next batch reopens it)",
  ],
  ["--max-body <bytes>", "TELEMETRY_MAX_BODY", "16MiB", "largest request body or WebSocket message (e.g. 1048576, 8MiB)"],
  [
    "--event-fields <m>",
    "TELEMETRY_EVENT_FIELDS",
    "required",
    "required: NDJSON/WebSocket events need event_id, event_time, event_type, event_name (a line without is rejected); optional: accept them without (older clients)",
  ],
  ["--tail-buffer <bytes>", "TELEMETRY_TAIL_BUFFER", "1MiB", "unsent bytes a live-tail client may have queued; past it its events are dropped and counted"],
  ["--prometheus-units <m>", "TELEMETRY_PROMETHEUS_UNITS", "base", "/metrics names: base (ms shown as _seconds, lint-clean) or declared (_milliseconds)"],
  ["--max-connections <n>", "TELEMETRY_MAX_CONNECTIONS", "1000", "open connections (HTTP and WebSocket); more are closed on arrival"],
  ["--header-timeout <duration>", "TELEMETRY_HEADER_TIMEOUT", "10s", "time to receive a request's headers; a silent or slow connection is closed"],
  ["--body-timeout <duration>", "TELEMETRY_BODY_TIMEOUT", "60s", "time to receive a whole request, body included; then 408 and close"],
  ["--idle-timeout <duration>", "TELEMETRY_IDLE_TIMEOUT", "65s", "a keep-alive connection with no request for this long is closed"],
  ["--query-timeout <duration>", "TELEMETRY_QUERY_TIMEOUT", "30s", "a query (SQL or series) is interrupted after this long (408 E_QUERY_TIMEOUT)"],
  ["--max-queries <n>", "TELEMETRY_MAX_QUERIES", "4", "queries running at once; more get 503 E_TOO_MANY_QUERIES (needs UV_THREADPOOL_SIZE >= n + 3)"],
  ["--max-result-bytes <bytes>", "TELEMETRY_MAX_RESULT_BYTES", "64MiB", "largest query result (JSON rows); beyond it the result is truncated"],
  ["--memory-limit <bytes>", "TELEMETRY_MEMORY_LIMIT", "1GiB", "DuckDB memory_limit (queries spill to disk beyond it)"],
  ["--max-temp-size <bytes>", "TELEMETRY_MAX_TEMP_SIZE", "4GiB", "DuckDB max_temp_directory_size: disk a query may spill to"],
  [
    "--checkpoint-threshold <bytes>",
    "TELEMETRY_CHECKPOINT_THRESHOLD",
    "64MiB",
    "DuckDB checkpoint_threshold: write-ahead log size that moves stored rows into the database file",
  ],
  ["--shutdown-grace <duration>", "TELEMETRY_SHUTDOWN_GRACE", "10s", "after SIGTERM/SIGINT, exit within this long; a second signal exits at once"],
  ["--promql-timeout <duration>", "TELEMETRY_PROMQL_TIMEOUT", "2m", "a PromQL query running longer is stopped (503 timeout)"],
  ["--promql-max-samples <n>", "TELEMETRY_PROMQL_MAX_SAMPLES", "50000000", "samples one PromQL query may load from the store (past it: 422 execution)"],
  ["--promql-lookback <duration>", "TELEMETRY_PROMQL_LOOKBACK", "5m", "how far back an instant selector looks for a sample (Prometheus's lookback delta)"],
  ["--promql-native-interval <duration>", "TELEMETRY_PROMQL_NATIVE_INTERVAL", "15s", "PromQL shows the SDK's own metrics as if scraped at this interval"],
  ["--promql-subquery-step <duration>", "TELEMETRY_PROMQL_SUBQUERY_STEP", "1m", "step of subqueries written without one, e.g. rate(x[5m])[1h:]"],
  ...FORWARD_OPTIONS,
  ["--promql-workers <n>", "TELEMETRY_PROMQL_WORKERS", "2", "worker threads PromQL queries run on (more wait); 0 runs them on the main thread"],
  ["--promql-head-samples <n>", "TELEMETRY_PROMQL_HEAD_SAMPLES", "8000000", "recent remote-written samples kept in memory for PromQL (about 17 bytes each); 0: none"],
] as const;

/** "1048576", "64KiB", "8MiB", "1GiB", "10MB". */
export function parseBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(s.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? "B").toLowerCase();
  const mul: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return Math.floor(Number(m[1]) * mul[unit]);
}

/** Reads `--name value` / `--name=value` flags; the environment fills what is not given. */
export function readFlags(args: readonly string[]): { flags: Map<string, string>; rest: string[] } | ServerError {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    // Repeatable flags (--remote-write) keep every value, in order.
    const set = (k: string, v: string) => flags.set(k, REPEATABLE_FLAGS.has(k) && flags.has(k) ? flags.get(k) + REPEATED_SEPARATOR + v : v);
    if (eq > 0) set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === "--help" || a === "--json") flags.set(a.slice(2), "true");
    else {
      if (i + 1 >= args.length) return serverError("E_BAD_PARAM", `${a} needs a value`, a);
      set(a.slice(2), args[++i]);
    }
  }
  return { flags, rest };
}

export function serveConfig(flags: Map<string, string>, env: NodeJS.ProcessEnv = process.env): ServeConfig | ServerError {
  const known = new Set([
    "store",
    "host",
    "port",
    "token",
    "token-file",
    "retain",
    "stream-idle",
    "max-body",
    "event-fields",
    "tail-buffer",
    "prometheus-units",
    "help",
    "max-connections",
    "header-timeout",
    "body-timeout",
    "idle-timeout",
    "query-timeout",
    "max-queries",
    "max-result-bytes",
    "memory-limit",
    "max-temp-size",
    "checkpoint-threshold",
    "shutdown-grace",
    "promql-timeout",
    "promql-max-samples",
    "promql-lookback",
    "promql-subquery-step",
    "promql-native-interval",
    ...FORWARD_FLAGS,
    "promql-workers",
    "promql-head-samples",
  ]);
  for (const k of flags.keys()) if (!known.has(k)) return serverError("E_BAD_PARAM", `unknown option --${k}`, `--${k}`);
  const get = (flag: string, envName: string, def: string) => flags.get(flag) ?? env[envName] ?? def;
  const port = Number(get("port", "TELEMETRY_PORT", "4318"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return serverError("E_BAD_PARAM", "port must be 0..65535", "--port");
  const maxBody = parseBytes(get("max-body", "TELEMETRY_MAX_BODY", "16MiB"));
  if (!maxBody || maxBody < 1024) return serverError("E_BAD_PARAM", "max-body must be a size of at least 1024 bytes (e.g. 8MiB)", "--max-body");
  const eventFields = get("event-fields", "TELEMETRY_EVENT_FIELDS", "required");
  if (eventFields !== "required" && eventFields !== "optional") return serverError("E_BAD_PARAM", "event-fields must be required or optional", "--event-fields");
  const tailBuffer = parseBytes(get("tail-buffer", "TELEMETRY_TAIL_BUFFER", "1MiB"));
  if (!tailBuffer || tailBuffer < 1024) return serverError("E_BAD_PARAM", "tail-buffer must be a size of at least 1024 bytes (e.g. 1MiB)", "--tail-buffer");
  const retain = get("retain", "TELEMETRY_RETAIN", "");
  const retainMs = retain === "" ? undefined : parseDuration(retain);
  if (retain !== "" && !retainMs) return serverError("E_BAD_PARAM", "retain must be a duration such as 7d, 12h, 30m", "--retain");
  const streamIdleMs = parseDuration(get("stream-idle", "TELEMETRY_STREAM_IDLE", "5m"));
  if (!streamIdleMs) return serverError("E_BAD_PARAM", "stream-idle must be a duration such as 5m, 30s, 500ms", "--stream-idle");
  const token = readToken(get("token", "TELEMETRY_TOKEN", ""), get("token-file", "TELEMETRY_TOKEN_FILE", ""));
  if (typeof token === "object") return token;
  const connections = connectionLimits(get);
  if (isServerError(connections)) return connections;
  const prometheusUnits = get("prometheus-units", "TELEMETRY_PROMETHEUS_UNITS", "base");
  if (prometheusUnits !== "base" && prometheusUnits !== "declared") return serverError("E_BAD_PARAM", "prometheus-units must be base or declared", "--prometheus-units");
  const limits = storeLimits(flags, env);
  if (isServerError(limits)) return limits;
  const shutdownGraceMs = parseDuration(get("shutdown-grace", "TELEMETRY_SHUTDOWN_GRACE", "10s"));
  if (!shutdownGraceMs) return serverError("E_BAD_PARAM", "shutdown-grace must be a duration such as 10s or 500ms", "--shutdown-grace");
  const durations: Record<string, number> = {};
  for (const [flag, env, def] of [
    ["promql-timeout", "TELEMETRY_PROMQL_TIMEOUT", "2m"],
    ["promql-lookback", "TELEMETRY_PROMQL_LOOKBACK", "5m"],
    ["promql-subquery-step", "TELEMETRY_PROMQL_SUBQUERY_STEP", "1m"],
    ["promql-native-interval", "TELEMETRY_PROMQL_NATIVE_INTERVAL", "15s"],
  ]) {
    const ms = parseDuration(get(flag, env, def));
    if (!ms || ms < 1) return serverError("E_BAD_PARAM", `${flag} must be a duration such as 2m, 30s`, `--${flag}`);
    durations[flag] = ms;
  }
  const remoteWrite = forwardConfig(get);
  if (isServerError(remoteWrite)) return remoteWrite;
  const maxSamples = Number(get("promql-max-samples", "TELEMETRY_PROMQL_MAX_SAMPLES", "50000000"));
  if (!Number.isSafeInteger(maxSamples) || maxSamples < 1) return serverError("E_BAD_PARAM", "promql-max-samples must be a positive integer", "--promql-max-samples");
  const workers = Number(get("promql-workers", "TELEMETRY_PROMQL_WORKERS", "2"));
  if (!Number.isSafeInteger(workers) || workers < 0 || workers > 64)
    return serverError("E_BAD_PARAM", "promql-workers must be an integer from 0 to 64", "--promql-workers");
  const headSamples = Number(get("promql-head-samples", "TELEMETRY_PROMQL_HEAD_SAMPLES", "8000000"));
  if (!Number.isSafeInteger(headSamples) || headSamples < 0)
    return serverError("E_BAD_PARAM", "promql-head-samples must be a non-negative integer (0 keeps none in memory)", "--promql-head-samples");
  return {
    storeLimits: limits,
    shutdownGraceMs,
    promql: {
      timeoutMs: durations["promql-timeout"],
      maxSamples,
      lookbackMs: durations["promql-lookback"],
      subqueryStepMs: durations["promql-subquery-step"],
      nativeIntervalMs: durations["promql-native-interval"],
      workers,
      headSamples,
    },
    store: get("store", "TELEMETRY_STORE", "./telemetry.duckdb"),
    host: get("host", "TELEMETRY_HOST", "127.0.0.1"),
    port,
    ...(token ? { token } : {}),
    ...(retainMs ? { retainMs } : {}),
    streamIdleMs,
    maxBody,
    requireEventFields: eventFields === "required",
    tailBuffer,
    prometheusUnits,
    connections,
    ...(remoteWrite ? { remoteWrite } : {}),
  };
}

function readToken(inline: string, file: string): string | ServerError {
  if (inline && file) return serverError("E_BAD_PARAM", "give the token once: --token or --token-file (or TELEMETRY_TOKEN / TELEMETRY_TOKEN_FILE)", "--token-file");
  if (!file) return inline;
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    return serverError("E_IO", `cannot read the token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "--token-file");
  }
  if (!text) return serverError("E_BAD_PARAM", `the token file ${file} is empty`, "--token-file");
  return text;
}

function connectionLimits(get: (flag: string, envName: string, def: string) => string): ConnectionLimits | ServerError {
  const d = DEFAULT_CONNECTION_LIMITS;
  const maxConnections = Number(get("max-connections", "TELEMETRY_MAX_CONNECTIONS", String(d.maxConnections)));
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1)
    return serverError("E_BAD_PARAM", "max-connections must be a whole number of at least 1", "--max-connections");
  const out: Record<string, number> = {};
  for (const [flag, env, key] of [
    ["header-timeout", "TELEMETRY_HEADER_TIMEOUT", "headerTimeoutMs"],
    ["body-timeout", "TELEMETRY_BODY_TIMEOUT", "bodyTimeoutMs"],
    ["idle-timeout", "TELEMETRY_IDLE_TIMEOUT", "idleTimeoutMs"],
  ] as const) {
    const ms = parseDuration(get(flag, env, `${d[key]}ms`));
    if (!ms) return serverError("E_BAD_PARAM", `${flag} must be a duration such as 10s, 500ms, 2m`, `--${flag}`);
    out[key] = ms;
  }
  return { maxConnections, headerTimeoutMs: out.headerTimeoutMs, bodyTimeoutMs: out.bodyTimeoutMs, idleTimeoutMs: out.idleTimeoutMs };
}

/** The query and DuckDB limits that were given (flag or environment), validated. */
function storeLimits(flags: Map<string, string>, env: NodeJS.ProcessEnv): Partial<StoreLimits> | ServerError {
  const given = (flag: string, envName: string) => flags.get(flag) ?? env[envName];
  const out: { -readonly [K in keyof StoreLimits]?: number } = {};
  const timeout = given("query-timeout", "TELEMETRY_QUERY_TIMEOUT");
  if (timeout !== undefined) {
    out.queryTimeoutMs = parseDuration(timeout);
    if (!out.queryTimeoutMs) return serverError("E_BAD_PARAM", "query-timeout must be a duration such as 30s or 2m", "--query-timeout");
  }
  const n = given("max-queries", "TELEMETRY_MAX_QUERIES");
  if (n !== undefined) {
    out.maxQueries = Number(n);
    if (!Number.isInteger(out.maxQueries) || out.maxQueries < 1 || out.maxQueries > 1000)
      return serverError("E_BAD_PARAM", "max-queries must be an integer 1..1000", "--max-queries");
  }
  const sizes = [
    ["max-result-bytes", "TELEMETRY_MAX_RESULT_BYTES", "maxResultBytes", 1024],
    ["memory-limit", "TELEMETRY_MEMORY_LIMIT", "memoryLimit", 64 * 1024 * 1024],
    ["max-temp-size", "TELEMETRY_MAX_TEMP_SIZE", "maxTempDirectorySize", 0],
    ["checkpoint-threshold", "TELEMETRY_CHECKPOINT_THRESHOLD", "checkpointThreshold", 1024 * 1024],
  ] as const;
  for (const [flag, envName, key, min] of sizes) {
    const v = given(flag, envName);
    if (v === undefined) continue;
    const bytes = parseBytes(v);
    if (bytes === undefined || bytes < min) return serverError("E_BAD_PARAM", `${flag} must be a size of at least ${min} bytes (e.g. 64MiB, 2GiB)`, `--${flag}`);
    out[key] = bytes;
  }
  return out;
}
