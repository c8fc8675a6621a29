export type { Exporter, ExportBatch } from "./exporter.ts";
export { ConsoleExporter, formatPoint } from "./console-exporter.ts";
export { ServerExporter } from "./server-exporter.ts";
