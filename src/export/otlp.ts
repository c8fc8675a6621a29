// percore/otlp: the OTLP/HTTP exporter, a subpath of its own so that only services that use it
// load the OpenTelemetry packages it builds on (optional peer dependencies of percore).
export { OtlpExporter, retryAfterMs } from "./otlp-exporter.ts";
export type { OtlpExporterOptions } from "./otlp-exporter.ts";
export { OtlpMapper } from "./otlp-metrics.ts";
export type { Temporality } from "./otlp-metrics.ts";
export { OtlpLogsExporter, toLogRecords } from "./otlp-logs-exporter.ts";
export type { OtlpLogsExporterOptions } from "./otlp-logs-exporter.ts";
