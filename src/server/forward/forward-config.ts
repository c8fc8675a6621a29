// `--remote-write <url>` (repeatable), `--remote-write-header 'Name: value'` (repeatable, sent to
// every destination) and the forwarding limits, read from flags or the environment.
import { serverError, type ServerError } from "../errors.ts";
import { parseDuration } from "../query/series-api.ts";
import type { RemoteWriteOptions } from "./forwarding.ts";
import { DEFAULT_FORWARD_LIMITS, type ForwardLimits } from "./forwarder.ts";

/** Flags that may be given more than once: readFlags keeps every value, joined by this. */
export const REPEATED_SEPARATOR = "\n";
export const REPEATABLE_FLAGS = new Set(["remote-write", "remote-write-header", "remote-write-label"]);

const d = DEFAULT_FORWARD_LIMITS;
export const FORWARD_OPTIONS = [
  ["--remote-write <url>", "TELEMETRY_REMOTE_WRITE", "", "forward every stored point to this Prometheus remote-write receiver (repeatable; env: space-separated)"],
  [
    "--remote-write-header <h>",
    "TELEMETRY_REMOTE_WRITE_HEADERS",
    "",
    "'Name: value' sent with every remote-write request, e.g. a tenant or auth header (repeatable; env: one per line)",
  ],
  [
    "--remote-write-label <l>",
    "TELEMETRY_REMOTE_WRITE_LABELS",
    "",
    "'name=value' added to every forwarded series that lacks it, e.g. server=a in a fleet (repeatable; env: one per line)",
  ],
  ["--remote-write-batch <n>", "TELEMETRY_REMOTE_WRITE_BATCH", String(d.maxBatchPoints), "points per remote-write request (whole commits; a larger commit goes alone)"],
  [
    "--remote-write-max-pending <n>",
    "TELEMETRY_REMOTE_WRITE_MAX_PENDING",
    String(d.maxPendingPoints),
    "points waiting for a receiver beyond which the oldest are skipped and counted as dropped",
  ],
  ["--remote-write-backoff <d>", "TELEMETRY_REMOTE_WRITE_BACKOFF", `${d.backoffMaxMs / 1000}s`, "longest wait between retries of a request (first wait 250ms, doubling)"],
  ["--remote-write-timeout <d>", "TELEMETRY_REMOTE_WRITE_TIMEOUT", `${d.timeoutMs / 1000}s`, "a request with no answer after this long is retried"],
] as const;

export const FORWARD_FLAGS = [
  "remote-write",
  "remote-write-header",
  "remote-write-label",
  "remote-write-batch",
  "remote-write-max-pending",
  "remote-write-backoff",
  "remote-write-timeout",
];

type Get = (flag: string, envName: string, def: string) => string;

const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;

/** The remote-write options given, or undefined when no --remote-write is. */
export function forwardConfig(get: Get): RemoteWriteOptions | undefined | ServerError {
  const urls = get("remote-write", "TELEMETRY_REMOTE_WRITE", "")
    .split(/[\s]+/)
    .filter((u) => u !== "");
  const headerLines = lines(get("remote-write-header", "TELEMETRY_REMOTE_WRITE_HEADERS", ""));
  if (urls.length === 0) {
    if (headerLines.length > 0) return serverError("E_BAD_PARAM", "--remote-write-header needs a --remote-write <url> to send it to", "--remote-write-header");
    return undefined;
  }
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      return serverError("E_BAD_PARAM", `remote-write URL ${JSON.stringify(u)} is not a URL; give e.g. http://127.0.0.1:9090/api/v1/write`, "--remote-write");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return serverError("E_BAD_PARAM", `remote-write URL ${u} must be http or https`, "--remote-write");
  }
  if (new Set(urls).size !== urls.length) return serverError("E_BAD_PARAM", "the same --remote-write URL is given twice", "--remote-write");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const m = HEADER.exec(line);
    if (!m) return serverError("E_BAD_PARAM", `remote-write header ${JSON.stringify(line)} must read 'Name: value'`, "--remote-write-header");
    headers[m[1]] = m[2];
  }
  const externalLabels: Record<string, string> = {};
  for (const line of lines(get("remote-write-label", "TELEMETRY_REMOTE_WRITE_LABELS", ""))) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(.+)$/.exec(line);
    if (!m || m[1].startsWith("__"))
      return serverError("E_BAD_PARAM", `remote-write label ${JSON.stringify(line)} must read name=value with a Prometheus label name`, "--remote-write-label");
    externalLabels[m[1]] = m[2];
  }
  const limits: { -readonly [K in keyof ForwardLimits]?: number } = {};
  for (const [flag, env, key] of [
    ["remote-write-batch", "TELEMETRY_REMOTE_WRITE_BATCH", "maxBatchPoints"],
    ["remote-write-max-pending", "TELEMETRY_REMOTE_WRITE_MAX_PENDING", "maxPendingPoints"],
  ] as const) {
    const n = Number(get(flag, env, String(d[key])));
    if (!Number.isSafeInteger(n) || n < 1) return serverError("E_BAD_PARAM", `${flag} must be a whole number of at least 1`, `--${flag}`);
    limits[key] = n;
  }
  for (const [flag, env, key] of [
    ["remote-write-backoff", "TELEMETRY_REMOTE_WRITE_BACKOFF", "backoffMaxMs"],
    ["remote-write-timeout", "TELEMETRY_REMOTE_WRITE_TIMEOUT", "timeoutMs"],
  ] as const) {
    const ms = parseDuration(get(flag, env, `${d[key]}ms`));
    if (!ms) return serverError("E_BAD_PARAM", `${flag} must be a duration such as 30s or 500ms`, `--${flag}`);
    limits[key] = ms;
  }
  limits.backoffInitialMs = Math.min(d.backoffInitialMs, limits.backoffMaxMs ?? d.backoffMaxMs);
  return { destinations: urls.map((url) => ({ url, headers })), limits, externalLabels };
}

const lines = (v: string): string[] =>
  v
    .split(REPEATED_SEPARATOR)
    .map((h) => h.trim())
    .filter((h) => h !== "");
