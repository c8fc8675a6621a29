// POST /v1/metrics and /v1/logs: OTLP/HTTP metrics and logs ingest, the endpoint every OpenTelemetry SDK's OTLP/HTTP
// exporter sends to (port 4318 is OTLP/HTTP's default too). Binary protobuf or JSON, optionally
// gzip-compressed. The reply is an ExportMetricsServiceResponse in the request's encoding, with
// partial_success when some points were left out; a body that cannot be read at all, or whose
// every point is invalid, gets 400 with a JSON error saying why.
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzip } from "node:zlib";
import { isServerError, serverError, type ServerError } from "../errors.ts";
import type { RouteContext } from "../http/route-context.ts";
import { decodeUtf8, headerRecord, readBody, remoteOf, sendError } from "../http/http-util.ts";
import { decodeJsonRequest, decodeProtobufRequest, encodeResponse, isFailure } from "./otlp-protobuf.ts";
import { decodeLogsJson, decodeLogsProtobuf, encodeLogsResponse } from "./otlp-logs-codec.ts";

const PROTOBUF = /^application\/(x-)?protobuf\b/i;
const JSON_TYPE = /^application\/json\b/i;

function inflate(body: Buffer, max: number): Promise<Buffer | ServerError> {
  return new Promise((resolve) => {
    // maxOutputLength bounds the work a small compressed body can cause (a "zip bomb").
    gunzip(body, { maxOutputLength: max }, (err, out) => {
      if (!err) return resolve(out);
      resolve(
        err instanceof RangeError || /larger than|maxOutputLength|buffer/i.test(err.message)
          ? serverError("E_TOO_BIG", `decompressed body exceeds the limit of ${max} bytes`)
          : serverError("E_BAD_ENCODING", `body is not valid gzip: ${err.message}`),
      );
    });
  });
}

/** The body of an OTLP/HTTP request, inflated, and whether it is JSON; undefined once an error was sent. */
async function readOtlpBody(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<{ body: Buffer; json: boolean; wireBytes: number } | undefined> {
  const type = String(req.headers["content-type"] ?? "");
  const json = JSON_TYPE.test(type);
  if (!json && !PROTOBUF.test(type)) {
    sendError(res, serverError("E_BAD_CONTENT_TYPE", `expected application/x-protobuf or application/json, got ${type || "no content-type"}`));
    return undefined;
  }
  const encoding = String(req.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    sendError(res, serverError("E_BAD_ENCODING", `content-encoding ${encoding} is not supported (gzip or none)`));
    return undefined;
  }
  if (ctx.shuttingDown()) {
    sendError(res, serverError("E_SHUTTING_DOWN", "server is shutting down"));
    return undefined;
  }
  let body = await readBody(req, ctx.limits.maxBody);
  if (isServerError(body)) {
    sendError(res, body);
    return undefined;
  }
  const wireBytes = body.length;
  if (encoding === "gzip") {
    const inflated = await inflate(body, ctx.limits.maxBody);
    if (isServerError(inflated)) {
      sendError(res, inflated);
      return undefined;
    }
    body = inflated;
  }
  return { body, json, wireBytes };
}

function reply(res: ServerResponse, payload: Uint8Array | string, json: boolean): void {
  const buf = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf", "content-length": String(buf.length) });
  res.end(buf);
}

export async function otlpMetrics(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const read = await readOtlpBody(req, res, ctx);
  if (!read) return;
  const { body, json, wireBytes } = read;
  let decoded;
  if (json) {
    const text = decodeUtf8(body);
    if (isServerError(text)) return sendError(res, text);
    decoded = decodeJsonRequest(text);
    if (isFailure(decoded)) return sendError(res, serverError("E_BAD_JSON", `not an OTLP/JSON ExportMetricsServiceRequest: ${decoded.failed}`));
  } else {
    decoded = decodeProtobufRequest(body);
    if (isFailure(decoded)) return sendError(res, serverError("E_BAD_PROTOBUF", `not an OTLP ExportMetricsServiceRequest: ${decoded.failed}`));
  }
  const result = await ctx.otlp.store(decoded, { remote: remoteOf(req), headers: headerRecord(req) }, wireBytes);
  if (isServerError(result)) return sendError(res, result);
  if (result.rejected > 0 && result.accepted === 0) {
    return sendError(res, serverError("E_BAD_OTLP", `every data point was rejected: ${result.reasons.slice(0, 5).join("; ")}`));
  }
  const partial =
    result.rejected > 0
      ? { rejectedDataPoints: result.rejected, errorMessage: `${result.rejected} data point(s) rejected: ${result.reasons.slice(0, 5).join("; ")}` }
      : undefined;
  reply(res, encodeResponse(partial, json), json);
}

/** POST /v1/logs: OTLP/HTTP logs, each record stored as an event (otlp-logs.ts). */
export async function otlpLogs(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const read = await readOtlpBody(req, res, ctx);
  if (!read) return;
  const { body, json } = read;
  let decoded;
  if (json) {
    const text = decodeUtf8(body);
    if (isServerError(text)) return sendError(res, text);
    decoded = decodeLogsJson(text);
    if (isFailure(decoded)) return sendError(res, serverError("E_BAD_JSON", `not an OTLP/JSON ExportLogsServiceRequest: ${decoded.failed}`));
  } else {
    decoded = decodeLogsProtobuf(body);
    if (isFailure(decoded)) return sendError(res, serverError("E_BAD_PROTOBUF", `not an OTLP ExportLogsServiceRequest: ${decoded.failed}`));
  }
  const result = await ctx.otlpLogs.store(decoded, { remote: remoteOf(req), headers: headerRecord(req) });
  if (isServerError(result)) return sendError(res, result);
  if (result.rejected > 0 && result.accepted === 0) {
    return sendError(res, serverError("E_BAD_OTLP", `every log record was rejected: ${result.reasons.slice(0, 5).join("; ")}`));
  }
  const partial =
    result.rejected > 0 ? { rejected: result.rejected, message: `${result.rejected} log record(s) rejected: ${result.reasons.slice(0, 5).join("; ")}` } : undefined;
  reply(res, encodeLogsResponse(partial, json), json);
}
