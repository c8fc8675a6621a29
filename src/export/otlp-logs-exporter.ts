// OTLP/HTTP logs exporter: the collector's events as OpenTelemetry LogRecords, encoded by the
// official serializers of @opentelemetry/otlp-transformer (as the metrics exporter does) and
// delivered by an OtlpExporter's queue (same retries, bounds, gzip and shutdown report).
// A LogRecord gets: event_name, time (the worker's clock at emit) and observed time, the
// severity number and text, the event's fields and entity attributes as attributes, plus
// event.id and event.type; a field named `message` becomes the body instead of an attribute.
//
//   new Collector({ exporters: [new OtlpLogsExporter({ url: "http://127.0.0.1:4318/v1/logs" })] })
import { JsonLogsSerializer, ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Resource } from "../wire/batch.ts";
import type { DecodedEvent } from "../wire/event-catalog.ts";
import { EventSink } from "./event-sink.ts";
import { OtlpExporter, type OtlpExporterOptions } from "./otlp-exporter.ts";

export type OtlpLogsExporterOptions = Omit<OtlpExporterOptions, "temporality">;

type LogRecords = Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0];

const SCOPE = { name: "percore", version: "" };

function envUrl(): string {
  const direct = process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  if (direct) return direct;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? base.replace(/\/+$/, "") + "/v1/logs" : "http://localhost:4318/v1/logs";
}

const hrTime = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/** The LogRecords of a batch's events, as the OTLP serializers read them (ReadableLogRecord's fields). */
export function toLogRecords(events: readonly DecodedEvent[], resource: Resource, now = Date.now()): LogRecords {
  const res = resourceFromAttributes({ ...resource });
  return events.map((e) => {
    const { message, ...fields } = e.fields;
    return {
      hrTime: hrTime(e.eventTime),
      hrTimeObserved: hrTime(now),
      severityNumber: e.severityNumber,
      severityText: e.severityText,
      body: message,
      eventName: e.eventName,
      attributes: { ...e.attributes, ...fields, "event.id": e.eventId, "event.type": e.eventType, ...(e.truncated ? { "percore.truncated": [...e.truncated] } : {}) },
      droppedAttributesCount: 0,
      resource: res,
      instrumentationScope: SCOPE,
    };
  }) as unknown as LogRecords;
}

export class OtlpLogsExporter extends EventSink {
  private readonly transport: OtlpExporter;
  private readonly json: boolean;

  /** Throws a TypeError naming the option when one is wrong; after that, never throws. */
  constructor(options: OtlpLogsExporterOptions = {}) {
    super();
    const protocol = options.protocol ?? (process.env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL as OtlpLogsExporterOptions["protocol"]);
    const compression = options.compression ?? (process.env.OTEL_EXPORTER_OTLP_LOGS_COMPRESSION as OtlpLogsExporterOptions["compression"]);
    this.transport = new OtlpExporter({ ...options, url: options.url ?? envUrl(), ...(protocol ? { protocol } : {}), ...(compression ? { compression } : {}) });
    this.json = protocol === "http/json";
  }

  emit(events: readonly DecodedEvent[], resource: Resource): void {
    const encoded = (this.json ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(toLogRecords(events, resource));
    if (encoded) this.transport.enqueue(encoded, events.length);
  }

  /** Requests sent and dropped (see OtlpExporter). */
  get sent(): number {
    return this.transport.sent;
  }

  get dropped(): number {
    return this.transport.dropped;
  }

  forceFlush(): Promise<void> {
    return this.transport.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.transport.shutdown();
  }
}
