// Small HTTP helpers: bounded body reading, JSON/msgpack replies, bearer-token checks.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Packr } from "msgpackr";
import { errorBody, httpStatus, serverError, type ServerError } from "./errors.ts";

const packr = new Packr({ useRecords: false });

/** Reads the whole body, or stops at `max` bytes with E_TOO_BIG (the rest is not buffered). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | ServerError> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > max) return Promise.resolve(serverError("E_TOO_BIG", `body of ${declared} bytes exceeds the limit of ${max}`));
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        resolve(serverError("E_TOO_BIG", `body exceeds the limit of ${max} bytes`));
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(parts, size));
      done = true;
    });
    req.on("error", () => {
      if (!done) resolve(serverError("E_TRUNCATED", "request body ended early"));
      done = true;
    });
  });
}

export function wantsMsgpack(req: IncomingMessage): boolean {
  return /msgpack/.test(String(req.headers.accept ?? ""));
}

export function send(res: ServerResponse, status: number, body: unknown, msgpack = false, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const payload = msgpack ? packr.pack(body) : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": msgpack ? "application/msgpack" : "application/json", "content-length": String(payload.length), ...extra });
  res.end(payload);
}

export function sendError(res: ServerResponse, e: ServerError, msgpack = false): void {
  // After an oversized body the connection holds unread bytes: close it rather than reuse it.
  const extra: Record<string, string> = e.code === "E_TOO_BIG" ? { connection: "close" } : {};
  if (e.code === "E_BUSY" || e.code === "E_SHUTTING_DOWN" || e.code === "E_TOO_MANY_QUERIES") extra["retry-after"] = "1";
  if (e.code === "E_UNAUTHORIZED") extra["www-authenticate"] = 'Bearer realm="telemetry"';
  send(res, httpStatus(e), errorBody(e), msgpack, extra);
}

export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    // Never store credentials.
    if (k === "authorization" || k === "cookie" || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
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
