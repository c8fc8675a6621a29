// OTLP log records into the events table. Each (resource, scope) pair is one event stream (its
// resource in `streams.resource`), keyed by a hash of both like OTLP metrics. A record becomes one
// event: event_name from LogRecord.event_name or the `event.name` attribute, event_type `log`,
// severity number and text, the record's attributes over its scope's as `attributes`, and the body
// as `payload` (a string body as `{"message": ...}`, a map as itself). OTLP records carry no id:
// each gets a server-generated one, so an exporter's retry of a request that was in fact stored
// stores it again (OTLP/HTTP is at-least-once; docs/interop.md).
import { createHash } from "node:crypto";
import type { StreamOpen } from "../../wire/batch.ts";
import { isServerError, type ServerError } from "../errors.ts";
import type { ClientInfo, Ingestor } from "../ingest/ingest.ts";
import type { ParsedEvent } from "../ingest/events.ts";
import type { Limits } from "../ingest/limits.ts";
import { isSeverityNumber, severityText } from "../ingest/severity.ts";
import { plain, resourceOf } from "./otlp-ingest.ts";
import type { OtlpLogRecord, OtlpLogsRequest } from "./otlp-logs-codec.ts";
import type { OtlpKeyValue } from "./otlp-types.ts";

const MAX_ATTRIBUTES = 128;

export interface LogsResult {
  readonly accepted: number;
  readonly rejected: number;
  /** Why records were rejected, most frequent first, e.g. `body longer than 1048576 bytes (3)`. */
  readonly reasons: readonly string[];
}

function attributesOf(kvs: readonly OtlpKeyValue[] | undefined, into: Record<string, unknown>, limits: Limits): string | undefined {
  for (const kv of kvs ?? []) {
    const key = kv.key ?? "";
    if (key === "" || key.length > limits.maxString) return "attribute key is empty or too long";
    into[key] = plain(kv.value);
  }
  return Object.keys(into).length > MAX_ATTRIBUTES ? `more than ${MAX_ATTRIBUTES} attributes` : undefined;
}

/** base64 (protobufjs' bytes as String) to the hex OTLP/JSON and every trace UI use. */
const hex = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, "base64").toString("hex") || undefined : undefined);

/** One record as an event, or why it cannot be stored. */
function toEvent(lr: OtlpLogRecord, scopeAttrs: Readonly<Record<string, unknown>>, limits: Limits, now: number): ParsedEvent | string {
  const attrs: Record<string, unknown> = { ...scopeAttrs };
  const bad = attributesOf(lr.attributes, attrs, limits);
  if (bad) return bad;
  const named = attrs["event.name"];
  const eventName = lr.eventName || (typeof named === "string" && named !== "" ? named : null);
  if (eventName !== null && eventName.length > limits.maxString) return `event_name longer than ${limits.maxString} characters`;
  const n = lr.severityNumber;
  const severityNumber = isSeverityNumber(n) ? n : null;
  if (n !== undefined && n !== 0 && severityNumber === null) return `severity_number ${String(n)} is not 1-24`;
  const body = plain(lr.body);
  const payload: Record<string, unknown> =
    body === null
      ? {}
      : typeof body === "object" && !Array.isArray(body)
        ? { ...(body as Record<string, unknown>) }
        : typeof body === "string"
          ? { message: body }
          : { body };
  const traceId = hex(lr.traceId);
  const spanId = hex(lr.spanId);
  if (traceId) payload.trace_id = traceId;
  if (spanId) payload.span_id = spanId;
  const text = JSON.stringify(payload);
  if (text.length > limits.maxLine) return `body longer than ${limits.maxLine} bytes`;
  const t = lr.timeUnixNano || lr.observedTimeUnixNano;
  return {
    time: now,
    eventTime: t ? Math.floor(t / 1e6) : null,
    eventId: null,
    eventType: "log",
    eventName,
    severityNumber,
    severityText: lr.severityText || (severityNumber === null ? null : severityText(severityNumber)),
    attributes: Object.keys(attrs).length > 0 ? JSON.stringify(attrs) : null,
    payload: text,
  };
}

export class OtlpLogs {
  constructor(
    private readonly ingest: Ingestor,
    private readonly limits: Limits,
  ) {}

  /** Stores the valid records; resolves once they are committed, with the counts for partial_success. */
  async store(req: OtlpLogsRequest, client: ClientInfo): Promise<LogsResult | ServerError> {
    const reasons = new Map<string, number>();
    let accepted = 0;
    let rejected = 0;
    const now = Date.now();
    const waits: Promise<unknown>[] = [];
    for (const rl of req.resourceLogs ?? []) {
      const resource = resourceOf(rl.resource?.attributes, this.limits);
      for (const sl of rl.scopeLogs ?? []) {
        const scope = { name: (sl.scope?.name ?? "").slice(0, 200), version: (sl.scope?.version ?? "").slice(0, 200) };
        const scopeAttrs: Record<string, unknown> = {};
        attributesOf(sl.scope?.attributes, scopeAttrs, this.limits);
        const events: ParsedEvent[] = [];
        for (const lr of sl.logRecords ?? []) {
          const e = toEvent(lr, scopeAttrs, this.limits, now);
          if (typeof e === "string") {
            rejected++;
            reasons.set(e, (reasons.get(e) ?? 0) + 1);
          } else events.push(e);
        }
        if (events.length === 0) continue;
        const key = `otlp-logs-${createHash("sha256")
          .update(JSON.stringify([Object.entries(resource).sort(), scope.name, scope.version]))
          .digest("hex")
          .slice(0, 40)}`;
        const open: StreamOpen = { resource, schemaHash: "otlp", sdk: scope, view: "aggregate" };
        const r = this.ingest.events.ingestParsed({ client, key, open }, events);
        waits.push(r);
        accepted += events.length;
      }
    }
    for (const r of await Promise.all(waits)) if (isServerError(r)) return r;
    return { accepted, rejected, reasons: [...reasons.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`) };
  }
}
