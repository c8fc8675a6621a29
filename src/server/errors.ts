// Errors are values: every rejection the server produces is one of these, carried back to the
// client as `{ "error": { code, message, where } }` with the HTTP status (or WebSocket close code)
// that its code maps to. Nothing here throws; callers decide.
import type { ErrorReply } from "../wire/reply.ts";

export type ErrorCode =
  | "E_BAD_MSGPACK"
  | "E_TRUNCATED"
  | "E_TOO_DEEP"
  | "E_BAD_BATCH"
  | "E_UNKNOWN_VERSION"
  | "E_UNKNOWN_STREAM"
  | "E_UNKNOWN_SET"
  | "E_UNKNOWN_SERIES"
  | "E_UNKNOWN_EVENT_SOURCE"
  | "E_BAD_EVENTS"
  | "E_UNKNOWN_FIELD"
  | "E_BAD_VALUE"
  | "E_MISSING_FIELD"
  | "E_TOO_LONG"
  | "E_TOO_MANY"
  | "E_TOO_BIG"
  | "E_BAD_JSON"
  | "E_NOT_OBJECT"
  | "E_BAD_CONTENT_TYPE"
  | "E_BAD_ENCODING"
  | "E_BAD_PROTOBUF"
  | "E_BAD_OTLP"
  | "E_BAD_SERIES"
  | "E_UNAUTHORIZED"
  | "E_NOT_FOUND"
  | "E_METHOD"
  | "E_BAD_QUERY"
  | "E_READ_ONLY"
  | "E_QUERY_TIMEOUT"
  | "E_TOO_MANY_QUERIES"
  | "E_QUERY_MEMORY"
  | "E_BAD_PARAM"
  | "E_BUSY"
  | "E_STORE"
  | "E_IO"
  | "E_ADDR_IN_USE"
  | "E_SHUTTING_DOWN";

export interface ServerError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Where in the input: a path like `points[3][5]`, `line 12`, or a byte offset. */
  readonly where?: string;
}

export const serverError = (code: ErrorCode, message: string, where?: string): ServerError => (where === undefined ? { code, message } : { code, message, where });

export function isServerError(v: unknown): v is ServerError {
  return typeof v === "object" && v !== null && typeof (v as ServerError).code === "string" && (v as ServerError).code.startsWith("E_");
}

const STATUS: Readonly<Record<ErrorCode, number>> = {
  E_BAD_MSGPACK: 400,
  E_TRUNCATED: 400,
  E_TOO_DEEP: 400,
  E_BAD_BATCH: 400,
  E_UNKNOWN_VERSION: 400,
  // 409/422: the batch is well-formed but does not fit what the stream declared.
  E_UNKNOWN_STREAM: 409,
  E_UNKNOWN_SET: 422,
  E_UNKNOWN_SERIES: 422,
  // 409 like an unknown stream: the server lost the declarations (restart), the client repeats them.
  E_UNKNOWN_EVENT_SOURCE: 409,
  E_BAD_EVENTS: 400,
  E_UNKNOWN_FIELD: 422,
  E_BAD_VALUE: 422,
  E_MISSING_FIELD: 422,
  E_TOO_LONG: 400,
  E_TOO_MANY: 400,
  E_TOO_BIG: 413,
  E_BAD_JSON: 400,
  E_NOT_OBJECT: 400,
  E_BAD_CONTENT_TYPE: 415,
  E_BAD_ENCODING: 415,
  E_BAD_PROTOBUF: 400,
  E_BAD_OTLP: 400,
  // Remote write: a label set or sample Prometheus would also refuse.
  E_BAD_SERIES: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_METHOD: 405,
  E_BAD_QUERY: 400,
  E_READ_ONLY: 403,
  E_QUERY_TIMEOUT: 408,
  // Past --max-queries: the server is busy, not the request wrong (answered with Retry-After).
  E_TOO_MANY_QUERIES: 503,
  // The query itself is too big for the memory and temp space the server gives queries.
  E_QUERY_MEMORY: 413,
  E_BAD_PARAM: 400,
  E_BUSY: 503,
  E_STORE: 500,
  E_IO: 500,
  E_ADDR_IN_USE: 500,
  E_SHUTTING_DOWN: 503,
};

export const httpStatus = (e: ServerError): number => STATUS[e.code];

/**
 * WebSocket close codes (RFC 6455 section 7.4.1): 1007 for payloads that are not what they claim,
 * 1009 for too big, 1008 for policy (auth), 1011 for the server's own failure, 1001 going away.
 */
export function wsCloseCode(e: ServerError): number {
  switch (e.code) {
    case "E_TOO_BIG":
      return 1009;
    case "E_UNAUTHORIZED":
      return 1008;
    case "E_STORE":
    case "E_IO":
      return 1011;
    case "E_SHUTTING_DOWN":
    case "E_BUSY":
      return 1001;
    default:
      return 1007;
  }
}

/** A close reason must fit in 123 bytes: the code, and as much of the message as fits. */
export function wsCloseReason(e: ServerError): string {
  const full = JSON.stringify({ code: e.code, where: e.where });
  if (Buffer.byteLength(full) <= 123) return full;
  return JSON.stringify({ code: e.code });
}

export const errorBody = (e: ServerError): ErrorReply => ({ error: e });
