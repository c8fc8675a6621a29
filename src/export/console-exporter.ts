// Prints every batch in a form a person can read while developing:
//   #3 +12ms http.server{worker_id=1,route="/a"} http.server.requests{method=GET,status=2xx} +5
import type { Exporter, ExportBatch } from "../runtime/exporter.ts";
import { StreamReader, type DecodedPoint } from "../wire/stream-reader.ts";

export interface ConsoleExporterOptions {
  /** Where lines go (default console.log). */
  readonly write?: (line: string) => void;
}

export class ConsoleExporter implements Exporter {
  private readonly reader = new StreamReader();
  private readonly write: (line: string) => void;

  constructor(options: ConsoleExporterOptions = {}) {
    this.write = options.write ?? ((line) => console.log(line));
  }

  export({ batch, bytes }: ExportBatch): void {
    if (batch.open) this.write(`stream ${batch.stream} ${formatAttrs(batch.open.resource)}`);
    const points = this.reader.read(batch);
    this.write(`#${batch.seq} ${batch.end - batch.start}ms ${points.length} points ${bytes.byteLength} bytes`);
    for (const p of points) this.write("  " + formatPoint(p));
  }
}

export function formatPoint(p: DecodedPoint): string {
  const measures = Object.keys(p.measures).length ? formatAttrs(p.measures) : "";
  return `${p.set}${formatAttrs(p.attributes)} ${p.metric}${measures} ${formatValue(p)}`;
}

function formatValue(p: DecodedPoint): string {
  const v = p.value;
  if (typeof v === "number") return p.instrument === "counter" ? `+${v} ${p.unit}` : `= ${v} ${p.unit}`;
  if (p.instrument === "histogram") return `sum +${v[0]} buckets +[${v.slice(1).join(",")}] ${p.unit}`;
  return `count +${v[0]} sum +${v[1]} min ${v[2]} max ${v[3]} ${p.unit}`;
}

function formatAttrs(attrs: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(attrs).map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  return parts.length ? `{${parts.join(",")}}` : "";
}
