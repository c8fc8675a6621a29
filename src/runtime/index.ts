// The SDK's public runtime: the collector and what configures it.
export { Collector } from "./collector.ts";
export type { CollectorOptions } from "./collector.ts";
export { defaultResource } from "./resource.ts";
export { threadRegistry } from "./thread-registry.ts";
export { setEventRingSize } from "./event-ring.ts";
export { SDK_DESCRIPTOR } from "./sdk-metrics.ts";
export { VERSION } from "../schema/version.ts";
export type { Exporter, ExportBatch } from "./exporter.ts";
export { exportBatchOf } from "./exporter.ts";
export type { ExporterSpec, BuiltinExporterSpec, ModuleExporterSpec } from "./exporter-spec.ts";
export type { CollectorStats } from "./collector-protocol.ts";
