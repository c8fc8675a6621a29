// OTLP/HTTP logs bodies to plain objects, and replies back, with the same generated protobufjs
// message classes as metrics (otlp-protobuf.ts: `otlp-proto-messages`, opentelemetry-proto of
// mid-2024). One field is younger than those classes: LogRecord.event_name (field 12, added in
// opentelemetry-proto 1.5.0), which the classes skip as unknown. It is read beside them: from the
// JSON object as is, and from the binary body by a walk with protobufjs' own Reader over the
// three nesting levels that lead to it, in record order.
import protobuf from "protobufjs";
import { collectorClasses, isFailure, list, parseJsonObject, TO_OBJECT, validNanos, type MessageClass } from "./otlp-protobuf.ts";
import type { OtlpKeyValue, OtlpAnyValue } from "./otlp-types.ts";

export interface OtlpLogRecord {
  readonly timeUnixNano?: number;
  readonly observedTimeUnixNano?: number;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body?: OtlpAnyValue;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly traceId?: string;
  readonly spanId?: string;
  /** Filled in here (see above), not by the generated classes. */
  eventName?: string;
}

export interface OtlpScopeLogs {
  readonly scope?: { readonly name?: string; readonly version?: string; readonly attributes?: readonly OtlpKeyValue[] };
  readonly logRecords?: OtlpLogRecord[];
}

export interface OtlpLogsRequest {
  readonly resourceLogs?: readonly { readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] }; readonly scopeLogs?: readonly OtlpScopeLogs[] }[];
}

let codec: { request: MessageClass; response: MessageClass } | undefined;

function load(): { request: MessageClass; response: MessageClass } {
  if (codec) return codec;
  const v1 = collectorClasses("logs");
  codec = { request: v1.ExportLogsServiceRequest!, response: v1.ExportLogsServiceResponse! };
  return codec;
}

export interface LogsDecodeFailure {
  readonly failed: string;
}

/** Each length-delimited field `field` of the message in `buf`, in order, as a sub-buffer. */
function submessages(buf: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = protobuf.Reader.create(buf);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) out.push(r.bytes());
    else r.skipType(tag & 7);
  }
  return out;
}

/** LogRecord.event_name (field 12) of every record, in the order the classes decode them. */
function binaryEventNames(body: Uint8Array): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  for (const rl of submessages(body, 1)) {
    for (const sl of submessages(rl, 2)) {
      for (const lr of submessages(sl, 2)) {
        let name: string | undefined;
        const r = protobuf.Reader.create(lr);
        while (r.pos < r.len) {
          const tag = r.uint32();
          if (tag >>> 3 === 12 && (tag & 7) === 2) name = r.string();
          else r.skipType(tag & 7);
        }
        names.push(name);
      }
    }
  }
  return names;
}

function records(req: OtlpLogsRequest): OtlpLogRecord[] {
  return (req.resourceLogs ?? []).flatMap((rl) => (rl.scopeLogs ?? []).flatMap((sl) => sl.logRecords ?? []));
}

/** Binary protobuf ExportLogsServiceRequest. */
export function decodeLogsProtobuf(body: Uint8Array): OtlpLogsRequest | LogsDecodeFailure {
  const { request } = load();
  try {
    const req = request.toObject(request.decode(body), TO_OBJECT) as unknown as OtlpLogsRequest;
    const names = binaryEventNames(body);
    records(req).forEach((r, i) => {
      const n = names[i];
      if (n) r.eventName = n;
    });
    return req;
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

const arr = (o: unknown, ...keys: string[]) => list(o, ...keys) as Record<string, unknown>[];

/**
 * OTLP/JSON ExportLogsServiceRequest (lowerCamelCase, int64 as strings or numbers). Times are
 * checked in the JSON first (protobufjs would wrap an out-of-range one without a word).
 */
export function decodeLogsJson(text: string): OtlpLogsRequest | LogsDecodeFailure {
  const { request } = load();
  const raw = parseJsonObject(text, "ExportLogsServiceRequest");
  if (isFailure(raw)) return raw;
  const names: unknown[] = [];
  const rls = arr(raw, "resourceLogs", "resource_logs");
  for (let r = 0; r < rls.length; r++) {
    const sls = arr(rls[r], "scopeLogs", "scope_logs");
    for (let s = 0; s < sls.length; s++) {
      const lrs = arr(sls[s], "logRecords", "log_records");
      for (let l = 0; l < lrs.length; l++) {
        for (const key of ["timeUnixNano", "time_unix_nano", "observedTimeUnixNano", "observed_time_unix_nano"]) {
          const v = lrs[l]?.[key];
          if (v === undefined || v === null || validNanos(v)) continue;
          return {
            failed: `resourceLogs[${r}].scopeLogs[${s}].logRecords[${l}].${key}: ${JSON.stringify(v)} is not a time between 1970 and 2262 (nanoseconds since the epoch, as an integer or a string of digits)`,
          };
        }
        names.push(lrs[l]?.eventName ?? lrs[l]?.event_name);
      }
    }
  }
  try {
    const req = request.toObject(request.fromObject(raw as Record<string, unknown>), TO_OBJECT) as unknown as OtlpLogsRequest;
    records(req).forEach((r, i) => {
      const n = names[i];
      if (typeof n === "string" && n !== "") r.eventName = n;
    });
    return req;
  } catch (e) {
    return { failed: (e as Error).message };
  }
}

/** ExportLogsServiceResponse; partial_success stays unset when every record was accepted. */
export function encodeLogsResponse(partial: { rejected: number; message: string } | undefined, json: boolean): Uint8Array | string {
  if (json) {
    return JSON.stringify(partial ? { partialSuccess: { rejectedLogRecords: String(partial.rejected), errorMessage: partial.message } } : {});
  }
  const { response } = load();
  return response.encode(response.fromObject(partial ? { partialSuccess: { rejectedLogRecords: partial.rejected, errorMessage: partial.message } } : {})).finish();
}
