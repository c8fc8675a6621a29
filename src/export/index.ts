export type { Exporter, ExportBatch } from "../runtime/exporter.ts";
export { ConsoleExporter, formatPoint } from "./console-exporter.ts";
export { ServerExporter } from "./server-exporter.ts";
export { PrometheusExporter } from "./prometheus-exporter.ts";
export type { PrometheusExporterOptions, PrometheusExporterError } from "./prometheus-exporter.ts";
export { PrometheusState } from "./prometheus-state.ts";
export { familyName, labelName, labelPairs, promUnit, sanitizeMetricName } from "../exposition/prometheus-naming.ts";
export type { UnitMode } from "../exposition/prometheus-naming.ts";
export { negotiate, renderExposition, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from "../exposition/prometheus-text.ts";
export type { ExpositionFamily, ExpositionFormat, ExpositionSample, FamilyType } from "../exposition/prometheus-text.ts";
// The OTLP exporter is in percore/otlp (./otlp.ts): it loads the OpenTelemetry packages.
export { EventSink, FilterEventSink, ConsoleEventSink, NoopEventSink, filterEvents, formatEvent } from "./event-sink.ts";
export type { DecodedEvent } from "./event-sink.ts";
export { NdjsonEventSink, ndjsonLine } from "./ndjson-event-sink.ts";
export type { NdjsonEventSinkOptions } from "./ndjson-event-sink.ts";
