export type { Exporter, ExportBatch } from "./exporter.ts";
export { ConsoleExporter, formatPoint } from "./console-exporter.ts";
