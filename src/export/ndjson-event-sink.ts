// Posts events as NDJSON to any intake that takes the four-field activity-event format: one
// object per line with event_id, event_time (ISO 8601), event_type and event_name, then the
// severity, the event's fields and its entity attributes. The telemetry server's /v1/events is
// one such intake. Requests are sent one at a time, in order; a failure is retried with backoff
// (the same event_id on every attempt, so an intake that deduplicates stores each event once);
// past maxAttempts, or past maxQueueEvents waiting, events are dropped and counted.
import { countDroppedBatches } from "../runtime/sdk-counters.ts";
import type { Resource } from "../wire/batch.ts";
import type { DecodedEvent } from "../wire/event-catalog.ts";
import { backoffDelay } from "./backoff.ts";
import { EventSink } from "./event-sink.ts";

export interface NdjsonEventSinkOptions {
  /** The intake URL, e.g. http://127.0.0.1:4318/v1/events. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Events per request (default 5,000). */
  readonly maxPerRequest?: number;
  /** Events waiting to be sent (default 100,000); beyond it the oldest are dropped and counted. */
  readonly maxQueueEvents?: number;
  /** Attempts per request before its events are dropped (default 6). */
  readonly maxAttempts?: number;
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
}

/** The four-field line of an event (fields and attributes after the four and the severity). */
export function ndjsonLine(e: DecodedEvent): string {
  return JSON.stringify({
    event_id: e.eventId,
    event_time: new Date(e.eventTime).toISOString(),
    event_type: e.eventType,
    event_name: e.eventName,
    severity_number: e.severityNumber,
    severity_text: e.severityText,
    ...e.attributes,
    ...e.fields,
  });
}

export class NdjsonEventSink extends EventSink {
  private readonly queue: string[] = [];
  private sending: Promise<void> | undefined;
  private attempts = 0;
  /** Events dropped by this sink (queue full, or refused past maxAttempts). */
  dropped = 0;
  /** Events the intake acknowledged with a 2xx. */
  sent = 0;

  private readonly options: NdjsonEventSinkOptions;

  constructor(options: NdjsonEventSinkOptions) {
    super();
    this.options = options;
    if (typeof options?.url !== "string" || !/^https?:\/\//.test(options.url))
      throw new TypeError(`NdjsonEventSink: url must be an http(s) URL, got ${JSON.stringify(options?.url)}`);
  }

  emit(events: readonly DecodedEvent[], _resource: Resource): void {
    for (const e of events) this.queue.push(ndjsonLine(e));
    const max = this.options.maxQueueEvents ?? 100_000;
    if (this.queue.length > max) this.drop(this.queue.length - max, "queue full");
    this.pump();
  }

  private drop(n: number, why: string): void {
    this.queue.splice(0, n);
    this.dropped += n;
    countDroppedBatches();
    console.error(`percore: NdjsonEventSink dropped ${n} events: ${why}`);
  }

  private pump(): void {
    this.sending ??= this.sendAll().finally(() => (this.sending = undefined));
  }

  private async sendAll(): Promise<void> {
    const per = this.options.maxPerRequest ?? 5000;
    while (this.queue.length > 0) {
      const n = Math.min(per, this.queue.length);
      const body = this.queue.slice(0, n).join("\n") + "\n";
      let ok = false;
      try {
        const res = await fetch(this.options.url, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson", ...this.options.headers },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer();
        ok = res.ok;
      } catch {
        ok = false;
      }
      if (ok) {
        this.queue.splice(0, n);
        this.sent += n;
        this.attempts = 0;
        continue;
      }
      if (++this.attempts >= (this.options.maxAttempts ?? 6)) {
        this.attempts = 0;
        this.drop(n, `refused ${this.options.maxAttempts ?? 6} times`);
        continue;
      }
      await new Promise((r) => setTimeout(r, backoffDelay(this.options.backoffMs ?? { initial: 200, max: 5000 }, this.attempts)).unref());
    }
  }

  async forceFlush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}
