// OTLP/HTTP bodies to plain objects, and replies back, with protobufjs message classes generated
// from the official opentelemetry-proto definitions. They come from the npm registry at install
// time: `otlp-proto-messages` is an alias of @opentelemetry/otlp-transformer 0.52.1, the last
// release that ships its protobufjs static module (decode, encode and the proto3 JSON mapping for
// every OTLP message, partial_success included). Nothing of it is copied into this repository,
// and neither the binary nor the JSON mapping is written by hand. Both content types come out in
// one shape (the proto3 JSON field names, 64-bit integers as numbers), which the ingest reads.
import { createRequire } from "node:module";
import type protobuf from "protobufjs";
import type { OtlpRequest } from "./otlp-types.ts";

/** The static-module surface we use of a generated message class. */
export interface MessageClass {
  decode(reader: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options?: protobuf.IConversionOptions): Record<string, unknown>;
}

interface Codec {
  readonly request: MessageClass;
  readonly response: MessageClass;
}

let codec: Codec | undefined;

/** The collector services' generated classes, by signal (`metrics`, `logs`). */
export function collectorClasses(signal: "metrics" | "logs"): Record<string, MessageClass> {
  const require = createRequire(import.meta.url);
  const root = require("otlp-proto-messages/build/src/generated/root.js") as {
    opentelemetry: { proto: { collector: Record<string, { v1: Record<string, MessageClass> }> } };
  };
  const v1 = root.opentelemetry.proto.collector[signal]?.v1;
  if (!v1) throw new Error(`otlp-proto-messages has no ${signal} collector classes`);
  return v1;
}

/** The generated message classes (tests encode requests with them). */
export function load(): Codec {
  if (codec) return codec;
  const v1 = collectorClasses("metrics");
  codec = { request: v1.ExportMetricsServiceRequest!, response: v1.ExportMetricsServiceResponse! };
  return codec;
}

// 64-bit integers as numbers: nanosecond timestamps lose sub-microsecond precision, which the
// store (millisecond timestamps) drops anyway; counts stay exact below 2^53.
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: String, defaults: false, oneofs: true, arrays: true };

export interface DecodeFailure {
  readonly failed: string;
}

/** Binary protobuf ExportMetricsServiceRequest. */
export function decodeProtobufRequest(body: Uint8Array): OtlpRequest | DecodeFailure {
  const { request } = load();
  try {
    const msg = request.decode(body);
    return request.toObject(msg, TO_OBJECT) as unknown as OtlpRequest;
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

/** A JSON body that must be one object (an OTLP request), or why it is not. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> | DecodeFailure {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { failed: `not JSON: ${(e as Error).message}` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { failed: `an ${what} is a JSON object` };
  return raw as Record<string, unknown>;
}

/**
 * OTLP/JSON ExportMetricsServiceRequest: lowerCamelCase keys, 64-bit integers as strings or
 * numbers, enums as integers. protobufjs' fromObject does the proto3 JSON mapping; unknown keys
 * are ignored, as OTLP receivers must.
 */
export function decodeJsonRequest(text: string): OtlpRequest | DecodeFailure {
  const { request } = load();
  const raw = parseJsonObject(text, "ExportMetricsServiceRequest");
  if (isFailure(raw)) return raw;
  const badTime = checkJsonTimes(raw);
  if (badTime) return { failed: badTime };
  try {
    // No verify(): it refuses int64 given as strings, which is how OTLP/JSON writes them.
    return request.toObject(request.fromObject(raw as Record<string, unknown>), TO_OBJECT) as unknown as OtlpRequest;
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const TIME_KEYS = ["timeUnixNano", "time_unix_nano", "startTimeUnixNano", "start_time_unix_nano"];
const POINT_KINDS = ["gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary"];

/** A nanosecond time as OTLP/JSON may write it: an integer, or a string of decimal digits, 1970..2262. */
export function validNanos(v: unknown): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v >= 0 : Number.isInteger(v) && v >= 0 && v < 2 ** 63;
  return typeof v === "string" && /^\d{1,19}$/.test(v) && BigInt(v) <= INT64_MAX;
}

/** The first of `keys` of `o` that is an array (OTLP/JSON allows lowerCamelCase and snake_case). */
export const list = (o: unknown, ...keys: string[]): unknown[] => {
  for (const k of keys) {
    const v = (o as Record<string, unknown> | null)?.[k];
    if (Array.isArray(v)) return v;
  }
  return [];
};

/**
 * protobufjs turns an out-of-range or non-integer int64 into something else without a word
 * (`1e23` became a time in 1976, `"1.5e18"` one in 1970), so the times are checked in the JSON
 * itself, before conversion; the first bad one names its path.
 */
function checkJsonTimes(raw: object): string | undefined {
  const rms = list(raw, "resourceMetrics", "resource_metrics");
  for (let r = 0; r < rms.length; r++) {
    const sms = list(rms[r], "scopeMetrics", "scope_metrics");
    for (let s = 0; s < sms.length; s++) {
      const metrics = list(sms[s], "metrics");
      for (let m = 0; m < metrics.length; m++) {
        for (const kind of POINT_KINDS) {
          const points = list((metrics[m] as Record<string, unknown> | null)?.[kind], "dataPoints", "data_points");
          for (let p = 0; p < points.length; p++) {
            for (const key of TIME_KEYS) {
              const v = (points[p] as Record<string, unknown> | null)?.[key];
              if (v === undefined || v === null || validNanos(v)) continue;
              return `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}].${kind}.dataPoints[${p}].${key}: ${JSON.stringify(v)} is not a time between 1970 and 2262 (nanoseconds since the epoch, as an integer or a string of digits)`;
            }
          }
        }
      }
    }
  }
  return undefined;
}

export interface PartialSuccess {
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

/** ExportMetricsServiceResponse; partial_success stays unset when everything was accepted. */
export function encodeResponse(partial: PartialSuccess | undefined, json: boolean): Uint8Array | string {
  if (json) {
    // proto3 JSON writes int64 as a string.
    return JSON.stringify(partial ? { partialSuccess: { rejectedDataPoints: String(partial.rejectedDataPoints), errorMessage: partial.errorMessage } } : {});
  }
  const { response } = load();
  return response.encode(response.fromObject(partial ? { partialSuccess: partial } : {})).finish();
}

export const isFailure = (v: unknown): v is DecodeFailure => typeof v === "object" && v !== null && "failed" in v;
