// OTLP/HTTP exporter: every collector batch becomes one ExportMetricsServiceRequest, encoded by
// the official serializers of @opentelemetry/otlp-transformer (protobuf or JSON), optionally
// gzipped, and POSTed in order. Retries follow the OTLP/HTTP spec: 429, 502, 503 and 504 are
// retried (after Retry-After when the server sends one, else exponential backoff with jitter),
// network failures too; 400 and every other refusal drop the request and count it.
//
//   new Collector({ exporters: [new OtlpExporter({ url: "http://127.0.0.1:4318/v1/metrics" })] })
import { backoffDelay } from "./backoff.ts";
import { gzipSync } from "node:zlib";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { countDroppedBatches } from "../runtime/sdk-counters.ts";
import type { Exporter, ExportBatch } from "../runtime/exporter.ts";
import { OtlpMapper, type Temporality } from "./otlp-metrics.ts";
import { OptionChecker, pointCount, undeliveredLine } from "./exporter-options.ts";

export interface OtlpExporterOptions {
  /** Full URL of the metrics endpoint. Default: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics, else http://localhost:4318/v1/metrics. */
  readonly url?: string;
  /** "http/protobuf" (default) or "http/json"; OTEL_EXPORTER_OTLP_METRICS_PROTOCOL is honoured. */
  readonly protocol?: "http/protobuf" | "http/json";
  /** "gzip" or "none" (default); OTEL_EXPORTER_OTLP_METRICS_COMPRESSION is honoured. */
  readonly compression?: "gzip" | "none";
  /** "delta" (default) or "cumulative" for counters, histograms and mmsc; up-down counters are always cumulative. */
  readonly temporality?: Temporality;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per request, and the bound on forceFlush() (default 10 s). */
  readonly timeoutMs?: number;
  /** The bound on shutdown() (default: timeoutMs); what is unsent then is dropped and said in one stderr line. */
  readonly shutdownTimeoutMs?: number;
  /** Attempts per request before it is dropped (default 6). */
  readonly maxAttempts?: number;
  /** Backoff between retries without Retry-After: first delay and cap, ms (default 200 and 5000). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Encoded requests waiting to be sent, bytes (default 32 MiB); beyond it the oldest are dropped and counted. */
  readonly maxQueueBytes?: number;
  /** true logs to stderr; a function receives the lines. Default: silent. */
  readonly debug?: boolean | ((line: string) => void);
}

interface Pending {
  readonly body: Uint8Array;
  /** Data points of the batch it was made from (for the shutdown report). */
  readonly points: number;
  attempts: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function envUrl(): string {
  const direct = process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  if (direct) return direct;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? base.replace(/\/+$/, "") + "/v1/metrics" : "http://localhost:4318/v1/metrics";
}

export class OtlpExporter implements Exporter {
  private readonly mapper: OtlpMapper;
  private readonly url: string;
  private readonly json: boolean;
  private readonly gzip: boolean;
  private readonly timeoutMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: { initial: number; max: number };
  private readonly maxQueueBytes: number;
  private readonly log: (line: string) => void;
  private readonly queue: Pending[] = [];
  private queueBytes = 0;
  private sending: Promise<void> | undefined;
  private closed = false;
  /** Requests accepted by the server, dropped (refused, given up on, or queue full), and data points the server reported rejected. */
  sent = 0;
  dropped = 0;
  rejectedPoints = 0;
  lastError: { readonly code: string; readonly message: string } | undefined;

  /** Throws a TypeError naming the option when one is wrong; after that, never throws. */
  constructor(private readonly options: OtlpExporterOptions = {}) {
    const check = new OptionChecker("OtlpExporter");
    this.mapper = new OtlpMapper(check.oneOf("temporality", options.temporality, ["delta", "cumulative"] as const, "delta"));
    this.url = check.httpUrl(
      options.url === undefined ? "url (or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT)" : "url",
      options.url ?? envUrl(),
      "http://127.0.0.1:4318/v1/metrics",
    );
    this.json =
      check.oneOf("protocol", options.protocol ?? process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, ["http/protobuf", "http/json"], "http/protobuf") === "http/json";
    this.gzip = check.oneOf("compression", options.compression ?? process.env.OTEL_EXPORTER_OTLP_METRICS_COMPRESSION, ["none", "gzip"], "none") === "gzip";
    this.timeoutMs = check.number("timeoutMs", options.timeoutMs, 10_000, 1, 10_000);
    this.shutdownTimeoutMs = check.number("shutdownTimeoutMs", options.shutdownTimeoutMs, this.timeoutMs, 0, 2000);
    this.maxAttempts = check.number("maxAttempts", options.maxAttempts, 6, 1, 6, true);
    this.backoff = check.backoff("backoffMs", options.backoffMs, { initial: 200, max: 5000 });
    this.maxQueueBytes = check.number("maxQueueBytes", options.maxQueueBytes, 32 * 1024 * 1024, 1, 32 * 1024 * 1024);
    if (
      options.headers !== undefined &&
      (typeof options.headers !== "object" || options.headers === null || Object.values(options.headers).some((v) => typeof v !== "string"))
    ) {
      check.fail("headers", options.headers, "an object of string values", `{ authorization: "Bearer s3cret" }`);
    }
    const d = options.debug;
    if (d !== undefined && typeof d !== "boolean" && typeof d !== "function") check.fail("debug", d, "a boolean or a function receiving lines", "true");
    this.log = typeof d === "function" ? d : d ? (line) => process.stderr.write(`[percore otlp-exporter] ${line}\n`) : () => undefined;
  }

  export(out: ExportBatch): void {
    try {
      this.accept(out);
    } catch (e) {
      // Never throw into the collector: the batch is lost for this exporter, counted and said.
      this.fail("E_EXPORT", `export failed: ${(e as Error).message}`);
    }
  }

  private accept({ batch }: ExportBatch): void {
    if (this.closed) return;
    // Mapped now, in order, even if sending lags: delta points must follow one another.
    const rm = this.mapper.toResourceMetrics(batch);
    const encoded = (this.json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(rm);
    if (!encoded) return this.fail("E_ENCODE", "the serializer returned nothing");
    this.enqueue(encoded, pointCount(batch.points));
  }

  /**
   * Queues one encoded OTLP request (gzipped here if configured) for delivery in order, with this
   * exporter's retries and bounds. The OTLP logs exporter (otlp-logs-exporter.ts) sends through it.
   */
  enqueue(encoded: Uint8Array, items: number): void {
    if (this.closed) return;
    const body = this.gzip ? new Uint8Array(gzipSync(encoded)) : encoded;
    this.queue.push({ body, points: items, attempts: 0 });
    this.queueBytes += body.byteLength;
    while (this.queueBytes > this.maxQueueBytes && this.queue.length > 1) {
      const old = this.queue.shift()!;
      this.queueBytes -= old.body.byteLength;
      this.fail("E_QUEUE_FULL", `queue over ${this.maxQueueBytes} bytes, oldest request dropped`);
    }
    this.pump();
  }

  private fail(code: string, message: string): void {
    this.dropped++;
    countDroppedBatches(1);
    this.lastError = { code, message };
    this.log(`${code}: ${message}`);
  }

  private pump(): void {
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const p = this.queue[0];
      const wait = await this.attempt(p);
      if (wait === undefined) {
        // shutdown() may have emptied the queue meanwhile.
        if (this.queue[0] === p) {
          this.queue.shift();
          this.queueBytes -= p.body.byteLength;
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, wait).unref());
    }
  }

  /** Sends once; returns undefined when the request is done with (sent or dropped), else ms to wait before retrying. */
  private async attempt(p: Pending): Promise<number | undefined> {
    p.attempts++;
    const headers: Record<string, string> = {
      "content-type": this.json ? "application/json" : "application/x-protobuf",
      ...(this.gzip ? { "content-encoding": "gzip" } : {}),
      ...this.options.headers,
    };
    let res: Response;
    try {
      res = await fetch(this.url, { method: "POST", headers, body: p.body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
      return this.retryOrDrop(p, undefined, "E_NETWORK", `POST ${this.url} failed: ${cause}`);
    }
    const reply = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (res.ok) {
      this.sent++;
      this.readPartialSuccess(reply);
      return undefined;
    }
    const message = `POST ${this.url}: HTTP ${res.status} ${new TextDecoder().decode(reply.slice(0, 300))}`;
    if (RETRYABLE.has(res.status)) return this.retryOrDrop(p, retryAfterMs(res.headers.get("retry-after")), `E_HTTP_${res.status}`, message);
    this.fail(`E_HTTP_${res.status}`, message);
    return undefined;
  }

  private retryOrDrop(p: Pending, after: number | undefined, code: string, message: string): number | undefined {
    if (p.attempts >= this.maxAttempts || this.closed) {
      this.fail(code, `${message} (gave up after ${p.attempts} attempts)`);
      return undefined;
    }
    this.lastError = { code, message };
    this.log(`${message}; retrying`);
    return Math.min(after ?? backoffDelay(this.backoff, p.attempts), this.timeoutMs * 6);
  }

  private readPartialSuccess(reply: Uint8Array): void {
    if (reply.byteLength === 0) return;
    try {
      const r = (this.json ? JsonMetricsSerializer : ProtobufMetricsSerializer).deserializeResponse(reply);
      const n = Number(r.partialSuccess?.rejectedDataPoints ?? 0);
      if (n > 0) {
        this.rejectedPoints += n;
        this.lastError = { code: "E_PARTIAL", message: r.partialSuccess?.errorMessage ?? `${n} data points rejected` };
        this.log(`server rejected ${n} data point(s): ${r.partialSuccess?.errorMessage ?? ""}`);
      }
    } catch {
      // A reply we cannot read still means the request was accepted.
    }
  }

  /** Requests not yet sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when everything handed over so far is sent or dropped, or after timeoutMs. */
  async forceFlush(timeoutMs = this.timeoutMs): Promise<void> {
    if (!this.sending) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    while (this.sending) {
      const done = await Promise.race([this.sending.then(() => true), timeout.then(() => false)]);
      if (!done) {
        this.log(`flush timed out after ${timeoutMs} ms with ${this.queue.length} request(s) unsent`);
        break;
      }
    }
    clearTimeout(timer);
  }

  /** Waits up to shutdownTimeoutMs; what is still unsent is dropped, counted and said in one stderr line. Never rejects. */
  async shutdown(): Promise<void> {
    try {
      await this.forceFlush(this.shutdownTimeoutMs);
    } finally {
      this.closed = true;
      const left = this.queue.splice(0);
      this.queueBytes = 0;
      if (left.length > 0) {
        const why = `not sent within ${this.shutdownTimeoutMs} ms (shutdownTimeoutMs)${this.lastError ? `; last error: ${this.lastError.message}` : ""}`;
        for (const _ of left) this.fail("E_SHUTDOWN", "unsent at shutdown");
        process.stderr.write(undeliveredLine("OtlpExporter", { batches: left.length, points: left.reduce((n, p) => n + p.points, 0), to: this.url, why }) + "\n");
      }
    }
  }
}
