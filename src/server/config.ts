// Command-line options and their environment equivalents for `telemetry-server`.
import { serverError, type ServerError } from "./errors.ts";
import { parseDuration } from "./series-api.ts";

export interface ServeConfig {
  readonly store: string;
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly retainMs?: number;
  /** A batch stream sent over HTTP is logged closed after this long without a batch. */
  readonly streamIdleMs: number;
  readonly maxBody: number;
  /** "base" (default): /metrics shows scaled units in base units (ms as seconds); "declared": as sent. */
  readonly prometheusUnits: "base" | "declared";
  /** PromQL bounds (docs/query-api.md). */
  readonly promql: { timeoutMs: number; maxSamples: number; lookbackMs: number; subqueryStepMs: number; nativeIntervalMs: number };
}

export const OPTIONS = [
  ["--store <path>", "TELEMETRY_STORE", "./telemetry.duckdb", "DuckDB file to store into (created if missing)"],
  ["--host <host>", "TELEMETRY_HOST", "127.0.0.1", "address to listen on"],
  ["--port <port>", "TELEMETRY_PORT", "4318", "port to listen on (0 picks a free one)"],
  ["--token <token>", "TELEMETRY_TOKEN", "", "require `Authorization: Bearer <token>` on ingest, query and /metrics"],
  ["--retain <duration>", "TELEMETRY_RETAIN", "", "delete points and events older than this (e.g. 7d, 12h); default keeps all"],
  ["--stream-idle <duration>", "TELEMETRY_STREAM_IDLE", "5m", "an HTTP batch stream with no batch for this long is logged and stored as closed (its next batch reopens it)"],
  ["--max-body <bytes>", "TELEMETRY_MAX_BODY", "16MiB", "largest request body or WebSocket message (e.g. 1048576, 8MiB)"],
  ["--prometheus-units <m>", "TELEMETRY_PROMETHEUS_UNITS", "base", "/metrics names: base (ms shown as _seconds, lint-clean) or declared (_milliseconds)"],
  ["--promql-timeout <duration>", "TELEMETRY_PROMQL_TIMEOUT", "2m", "a PromQL query running longer is stopped (503 timeout)"],
  ["--promql-max-samples <n>", "TELEMETRY_PROMQL_MAX_SAMPLES", "50000000", "samples one PromQL query may load from the store (past it: 422 execution)"],
  ["--promql-lookback <duration>", "TELEMETRY_PROMQL_LOOKBACK", "5m", "how far back an instant selector looks for a sample (Prometheus's lookback delta)"],
  ["--promql-native-interval <duration>", "TELEMETRY_PROMQL_NATIVE_INTERVAL", "15s", "PromQL shows the SDK's own metrics as if scraped at this interval"],
  ["--promql-subquery-step <duration>", "TELEMETRY_PROMQL_SUBQUERY_STEP", "1m", "step of subqueries written without one, e.g. rate(x[5m])[1h:]"],
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
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === "--help" || a === "--json") flags.set(a.slice(2), "true");
    else {
      if (i + 1 >= args.length) return serverError("E_BAD_PARAM", `${a} needs a value`, a);
      flags.set(a.slice(2), args[++i]);
    }
  }
  return { flags, rest };
}

export function serveConfig(flags: Map<string, string>, env: NodeJS.ProcessEnv = process.env): ServeConfig | ServerError {
  const known = new Set(["store", "host", "port", "token", "retain", "stream-idle", "max-body", "prometheus-units", "promql-timeout", "promql-max-samples", "promql-lookback", "promql-subquery-step", "promql-native-interval", "help"]);
  for (const k of flags.keys()) if (!known.has(k)) return serverError("E_BAD_PARAM", `unknown option --${k}`, `--${k}`);
  const get = (flag: string, envName: string, def: string) => flags.get(flag) ?? env[envName] ?? def;
  const port = Number(get("port", "TELEMETRY_PORT", "4318"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return serverError("E_BAD_PARAM", "port must be 0..65535", "--port");
  const maxBody = parseBytes(get("max-body", "TELEMETRY_MAX_BODY", "16MiB"));
  if (!maxBody || maxBody < 1024) return serverError("E_BAD_PARAM", "max-body must be a size of at least 1024 bytes (e.g. 8MiB)", "--max-body");
  const retain = get("retain", "TELEMETRY_RETAIN", "");
  const retainMs = retain === "" ? undefined : parseDuration(retain);
  if (retain !== "" && !retainMs) return serverError("E_BAD_PARAM", "retain must be a duration such as 7d, 12h, 30m", "--retain");
  const streamIdleMs = parseDuration(get("stream-idle", "TELEMETRY_STREAM_IDLE", "5m"));
  if (!streamIdleMs) return serverError("E_BAD_PARAM", "stream-idle must be a duration such as 5m, 30s, 500ms", "--stream-idle");
  const token = get("token", "TELEMETRY_TOKEN", "");
  const prometheusUnits = get("prometheus-units", "TELEMETRY_PROMETHEUS_UNITS", "base");
  if (prometheusUnits !== "base" && prometheusUnits !== "declared") return serverError("E_BAD_PARAM", "prometheus-units must be base or declared", "--prometheus-units");
  const durations: Record<string, number> = {};
  for (const [flag, env, def] of [["promql-timeout", "TELEMETRY_PROMQL_TIMEOUT", "2m"], ["promql-lookback", "TELEMETRY_PROMQL_LOOKBACK", "5m"], ["promql-subquery-step", "TELEMETRY_PROMQL_SUBQUERY_STEP", "1m"], ["promql-native-interval", "TELEMETRY_PROMQL_NATIVE_INTERVAL", "15s"]]) {
    const ms = parseDuration(get(flag, env, def));
    if (!ms || ms < 1) return serverError("E_BAD_PARAM", `${flag} must be a duration such as 2m, 30s`, `--${flag}`);
    durations[flag] = ms;
  }
  const maxSamples = Number(get("promql-max-samples", "TELEMETRY_PROMQL_MAX_SAMPLES", "50000000"));
  if (!Number.isSafeInteger(maxSamples) || maxSamples < 1) return serverError("E_BAD_PARAM", "promql-max-samples must be a positive integer", "--promql-max-samples");
  return {
    promql: { timeoutMs: durations["promql-timeout"], maxSamples, lookbackMs: durations["promql-lookback"], subqueryStepMs: durations["promql-subquery-step"], nativeIntervalMs: durations["promql-native-interval"] },
    store: get("store", "TELEMETRY_STORE", "./telemetry.duckdb"),
    host: get("host", "TELEMETRY_HOST", "127.0.0.1"),
    port,
    ...(token ? { token } : {}),
    ...(retainMs ? { retainMs } : {}),
    streamIdleMs,
    maxBody,
    prometheusUnits,
  };
}
