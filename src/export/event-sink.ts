// Event sinks: where the collector's events go besides the telemetry server (which gets them
// inside its batches). A sink is an exporter: it reads the events of each batch with the stream's
// event declarations (src/wire/event-catalog.ts) and receives them decoded, with the resource of
// the stream. Pass sinks in `exporters` like any exporter:
//
//   new Collector({ exporters: [server, new ConsoleEventSink(), filterEvents((e) => e.severityNumber >= 13, new NdjsonEventSink({ url }))] })
import type { ExportBatch, Exporter } from "../runtime/exporter.ts";
import { countDroppedBatches } from "../runtime/sdk-counters.ts";
import type { Resource } from "../wire/batch.ts";
import { EventCatalog, type DecodedEvent } from "../wire/event-catalog.ts";

export type { DecodedEvent } from "../wire/event-catalog.ts";

export abstract class EventSink implements Exporter {
  private readonly streams = new Map<string, { catalog: EventCatalog; resource: Resource }>();

  export(out: ExportBatch): void {
    const h = out.header;
    if (!h.eventGroups && !h.eventSources && !h.open && !this.streams.has(h.stream)) return;
    let s = this.streams.get(h.stream);
    if (!s) this.streams.set(h.stream, (s = { catalog: new EventCatalog(), resource: h.open?.resource ?? {} }));
    try {
      const b = out.batch;
      if (!b.events || b.events.length === 0) {
        s.catalog.declare(b);
        return;
      }
      this.emit(s.catalog.read(b), s.resource);
    } catch (e) {
      // A sink must not throw into the collector: the batch's events are lost for it, counted.
      countDroppedBatches();
      console.error(`percore: event sink ${this.constructor.name} failed on batch ${h.seq}:`, e);
    }
  }

  /** Receives the events of one batch, in order; must not throw. */
  abstract emit(events: readonly DecodedEvent[], resource: Resource): void;
}

/** Passes on the events `keep` accepts (by name, severity, fields, attributes) to `inner`. */
export class FilterEventSink extends EventSink {
  private readonly keep: (e: DecodedEvent) => boolean;
  private readonly inner: EventSink & Exporter;

  constructor(keep: (e: DecodedEvent) => boolean, inner: EventSink & Exporter) {
    super();
    this.keep = keep;
    this.inner = inner;
  }

  emit(events: readonly DecodedEvent[], resource: Resource): void {
    const kept = events.filter(this.keep);
    if (kept.length > 0) this.inner.emit(kept, resource);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown?.() ?? Promise.resolve();
  }
}

/** A filter wrapper: `filterEvents((e) => e.severityNumber >= 13, sink)`. */
export const filterEvents = (keep: (e: DecodedEvent) => boolean, inner: EventSink & Exporter): FilterEventSink => new FilterEventSink(keep, inner);

/** Discards everything (a placeholder sink, and the yardstick of the sink overhead). */
export class NoopEventSink extends EventSink {
  emit(): void {}
}

/** One line per event: `<ISO time> <SEVERITY> <name> <fields as JSON> <attributes as k=v>`. */
export function formatEvent(e: DecodedEvent): string {
  const attrs = Object.entries(e.attributes)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  const cut = e.truncated ? ` (truncated: ${e.truncated.join(", ")})` : "";
  return `${new Date(e.eventTime).toISOString()} ${e.severityText.padEnd(5)} ${e.eventName} ${JSON.stringify(e.fields)}${cut}${attrs ? ` ${attrs}` : ""}`;
}

/** Prints every event as one line (formatEvent) to a stream, stdout by default. */
export class ConsoleEventSink extends EventSink {
  private readonly out: { write(text: string): unknown };

  constructor(out: { write(text: string): unknown } = process.stdout) {
    super();
    this.out = out;
  }

  emit(events: readonly DecodedEvent[]): void {
    let text = "";
    for (const e of events) text += formatEvent(e) + "\n";
    this.out.write(text);
  }
}
