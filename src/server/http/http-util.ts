// Small HTTP helpers: bounded body reading, JSON/msgpack replies, bearer-token checks.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { msgpack as wireMsgpack } from "../../wire/msgpack.ts";
import { errorBody, httpStatus, serverError, type ServerError } from "../errors.ts";

/**
 * After a body is refused as too large, this much more of it is still read and thrown away before
 * the connection is cut: a client that is still sending must be able to read the 413 (closing
 * while it writes makes its side fail with EPIPE/ECONNRESET before it reads the reply).
 */
export const DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * Reads the whole body, or answers E_TOO_BIG as soon as it exceeds `max` bytes (by its declared
 * length or by what arrived); the rest is read and discarded, not buffered, up to DISCARD_BYTES.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | ServerError> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    const refuse = (message: string) => {
      over = true;
      parts.length = 0;
      resolve(serverError("E_TOO_BIG", message));
    };
    if (declared > max) refuse(`body of ${declared} bytes exceeds the limit of ${max}`);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (over) {
        if (size > max + DISCARD_BYTES) req.socket.destroy();
        return;
      }
      if (size > max) return refuse(`body exceeds the limit of ${max} bytes`);
      parts.push(chunk);
    });
    // A promise settles once: after a refusal these change nothing.
    req.on("end", () => resolve(Buffer.concat(parts, size)));
    req.on("error", () => resolve(serverError("E_TRUNCATED", "request body ended early")));
  });
}

export function wantsMsgpack(req: IncomingMessage): boolean {
  return /msgpack/.test(String(req.headers.accept ?? ""));
}

export function send(res: ServerResponse, status: number, body: unknown, msgpack = false, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = msgpack ? wireMsgpack.pack(body) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": msgpack ? "application/msgpack" : "application/json", "content-length": String(payload.length), ...extra });
  res.end(payload);
}

/** Headers that go with an error: when to retry, how to authenticate, whether the connection ends. */
export function retryHeaders(e: ServerError): Record<string, string> {
  // An oversized body is read to its end (and discarded) after the reply, so the connection stays usable.
  const extra: Record<string, string> = {};
  if (e.code === "E_BUSY" || e.code === "E_SHUTTING_DOWN" || e.code === "E_TOO_MANY_QUERIES") extra["retry-after"] = "1";
  if (e.code === "E_UNAUTHORIZED") extra["www-authenticate"] = 'Bearer realm="telemetry"';
  return extra;
}

export function sendError(res: ServerResponse, e: ServerError, msgpack = false): void {
  send(res, httpStatus(e), errorBody(e), msgpack, retryHeaders(e));
}

export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Header names that carry credentials: authorization, proxy-authorization, cookie, x-api-key,
 * x-auth-token, x-amz-security-token, x-hub-signature, x-csrf-token, ... A deny-list by word
 * rather than an allow-list, so that a client's own identifying headers (x-client, user-agent,
 * x-request-id) are still recorded.
 */
const CREDENTIAL = /auth|token|key|secret|passw|cookie|session|signature|credential|csrf|xsrf/i;
export const REDACTED = "[redacted]";

/** The request's headers as stored in `streams.headers`: credentials redacted, never stored. */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = CREDENTIAL.test(k) ? REDACTED : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

export const remoteOf = (req: IncomingMessage): string => `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? "?"}`;

const utf8 = new TextDecoder("utf-8", { fatal: true });
export function decodeUtf8(b: Uint8Array): string | ServerError {
  try {
    return utf8.decode(b);
  } catch {
    return serverError("E_BAD_JSON", "body is not valid UTF-8");
  }
}
