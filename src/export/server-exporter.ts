// Ships the collector's batches to the telemetry server: over one WebSocket (long-lived services,
// batches pipelined and acknowledged in order) or HTTP POST (short-lived jobs; every pending batch
// in one POST). Batches stay in a byte-bounded buffer until the server acknowledges their
// sequence; after a reconnect everything unacknowledged is sent again and the server stores each
// sequence once. Quiet unless `debug`.
import WebSocket from "ws";
import { countDroppedBatches } from "../runtime/sdk-counters.ts";
import type { Batch } from "../wire/batch.ts";
import { StreamCatalog } from "../wire/stream-catalog.ts";
import type { EventGroupDecl, EventSourceDecl } from "../wire/batch.ts";
import type { Exporter, ExportBatch } from "../runtime/exporter.ts";
import { decodeBatch } from "../wire/codec.ts";
import { msgpack } from "../wire/msgpack.ts";
import type { BatchAck, ErrorReply, ReplyError } from "../wire/reply.ts";
import { backoffDelay } from "./backoff.ts";
import { UnackedBuffer, type Entry } from "./unacked-buffer.ts";
import { OptionChecker, pointCount, undeliveredLine } from "./exporter-options.ts";

export interface ServerExporterOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:4318. */
  readonly url: string;
  /**
   * More servers to fail over to, in order after `url`: while a server can be reached the stream
   * stays on it; when connecting to it fails, the next one is tried (round robin). A server that
   * has never seen the stream gets its declarations again with the next batch (docs/scale.md).
   */
  readonly failover?: readonly string[];
  readonly token?: string;
  /** "ws" (default): one WebSocket; "http": POSTs, one at a time, each with every pending batch (up to maxPostBytes). */
  readonly transport?: "ws" | "http";
  /** Bound on unacknowledged encoded batches (default 64 MiB); beyond it the oldest points are dropped and counted. */
  readonly maxBufferBytes?: number;
  /** How long forceFlush() waits for acknowledgements (default 10 s). */
  readonly timeoutMs?: number;
  /**
   * How long shutdown() waits for acknowledgements (default: timeoutMs). What is still
   * unacknowledged then is dropped and said in one stderr line (points, batches, where, why).
   */
  readonly shutdownTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap, ms (default 100 and 5000). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Batches sent over the WebSocket before their acks, and at most per HTTP POST (default 256). */
  readonly maxInFlight?: number;
  /** HTTP: bytes of batches sent in one POST (default 4 MiB; keep it under the server's --max-body, 16 MiB by default). */
  readonly maxPostBytes?: number;
  /** true logs to stderr; a function receives the lines. Default: silent. */
  readonly debug?: boolean | ((line: string) => void);
}

/** A reply as it arrives: checked field by field before use. */
type ServerReply = Partial<BatchAck & ErrorReply>;

/** Refusals that retrying cannot fix: the batch is dropped (and counted). */
const RETRYABLE = new Set(["E_BUSY", "E_SHUTTING_DOWN", "E_STORE"]);

export class ServerExporter implements Exporter {
  private readonly buffer: UnackedBuffer;
  /** `url` then `failover`; `current` is the one in use. */
  private readonly bases: string[];
  private current = 0;
  private readonly transport: "ws" | "http";
  private readonly timeoutMs: number;
  private readonly shutdownTimeoutMs: number;
  /** The last thing that went wrong with delivery, for the shutdown report. */
  private problem = "";
  private readonly backoff: { initial: number; max: number };
  private readonly maxInFlight: number;
  private readonly maxPostBytes: number;
  private readonly log: (line: string) => void;
  /** Each stream's declarations, to repeat them in a resent batch whose first send they were in. */
  private readonly decls = new Map<string, StreamCatalog>();
  /** Each stream's event declarations (groups and sources carry their ids, so repeating them all is harmless). */
  private readonly eventDecls = new Map<string, { groups: EventGroupDecl[]; sources: EventSourceDecl[] }>();
  /** Entries already resent with every event declaration: refused again, they are dropped, not looped. */
  private readonly eventsRedeclared = new WeakSet<Entry>();
  private readonly waiters = new Set<() => void>();
  private ws: WebSocket | undefined;
  private wsOpen = false;
  /** Entries sent on the current WebSocket, oldest first; acks arrive in this order. */
  private inFlight: Entry[] = [];
  private readonly sent = new Set<Entry>();
  private posting = false;
  /** Retries since the last acknowledgement (the backoff grows with them). */
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Acknowledged points and events of the stream, as the server counts them. */
  stored = 0;
  dropped = 0;

  /** Throws a TypeError naming the option when one is wrong; after that, never throws. */
  constructor(private readonly options: ServerExporterOptions) {
    const check = new OptionChecker("ServerExporter");
    if (typeof options !== "object" || options === null) check.fail("url", undefined, "given", `"http://127.0.0.1:4318"`);
    const trim = (u: string) => u.replace(/\/+$/, "");
    this.bases = [trim(check.httpUrl("url", options.url, "http://127.0.0.1:4318"))];
    if (options.failover !== undefined && !Array.isArray(options.failover)) check.fail("failover", options.failover, "an array of URLs", `["http://10.0.0.2:4318"]`);
    for (const [i, u] of (options.failover ?? []).entries()) this.bases.push(trim(check.httpUrl(`failover[${i}]`, u, "http://10.0.0.2:4318")));
    check.string("token", options.token, "s3cret");
    this.transport = check.oneOf("transport", options.transport, ["ws", "http"], "ws");
    this.buffer = new UnackedBuffer(check.number("maxBufferBytes", options.maxBufferBytes, 64 * 1024 * 1024, 1, 64 * 1024 * 1024));
    this.timeoutMs = check.number("timeoutMs", options.timeoutMs, 10_000, 0, 10_000);
    this.shutdownTimeoutMs = check.number("shutdownTimeoutMs", options.shutdownTimeoutMs, this.timeoutMs, 0, 2000);
    this.backoff = check.backoff("backoffMs", options.backoffMs, { initial: 100, max: 5000 });
    this.maxInFlight = check.number("maxInFlight", options.maxInFlight, 256, 1, 256, true);
    this.maxPostBytes = check.number("maxPostBytes", options.maxPostBytes, 4 * 1024 * 1024, 1, 4 * 1024 * 1024, true);
    const d = options.debug;
    if (d !== undefined && typeof d !== "boolean" && typeof d !== "function") check.fail("debug", d, "a boolean or a function receiving lines", "true");
    this.log = typeof d === "function" ? d : d ? (line) => process.stderr.write(`[percore server-exporter] ${line}\n`) : () => undefined;
  }

  /** The server batches go to now. */
  get base(): string {
    return this.bases[this.current];
  }

  /** Connecting to the current server failed: the next attempt goes to the next one, if any. */
  private failOver(why: string): void {
    if (this.bases.length < 2) return;
    const from = this.base;
    this.current = (this.current + 1) % this.bases.length;
    this.log(`${from} unreachable (${why}): failing over to ${this.base}`);
  }

  /** Batches waiting for an acknowledgement. */
  get pending(): number {
    return this.buffer.length;
  }

  export(out: ExportBatch): void {
    try {
      this.accept(out);
    } catch (e) {
      // Never throw into the collector: the batch is lost for this exporter, counted and said.
      this.countDrops(1, `export failed: ${(e as Error).message}`);
    }
  }

  private accept({ header: batch, bytes }: ExportBatch): void {
    if (this.closed) return;
    let d = this.decls.get(batch.stream);
    if (!d) this.decls.set(batch.stream, (d = new StreamCatalog()));
    d.declare(batch);
    if (batch.eventGroups || batch.eventSources) {
      let ev = this.eventDecls.get(batch.stream);
      if (!ev) this.eventDecls.set(batch.stream, (ev = { groups: [], sources: [] }));
      ev.groups.push(...(batch.eventGroups ?? []));
      ev.sources.push(...(batch.eventSources ?? []));
    }
    const entry: Entry = { stream: batch.stream, seq: batch.seq, batch, bytes, setsThrough: d.sets.length, seriesThrough: d.decls.length, stripped: false };
    const dropped = this.buffer.push(entry);
    if (dropped > 0) this.countDrops(dropped, "buffer full");
    this.pump();
  }

  private countDrops(n: number, why: string): void {
    this.dropped += n;
    countDroppedBatches(n);
    this.log(`dropped ${n} batch(es): ${why}`);
  }

  private headers(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }

  private pump(): void {
    if (this.closed && this.buffer.length === 0) return;
    if (this.transport === "http") void this.postNext();
    else this.sendWs();
  }

  // ---- WebSocket ----

  private connect(): void {
    if (this.ws || this.retryTimer) return;
    const url = this.base.replace(/^http/, "ws") + "/v1/ws";
    const ws = new WebSocket(url, { headers: this.headers(), perMessageDeflate: false });
    this.ws = ws;
    ws.binaryType = "nodebuffer";
    ws.on("open", () => {
      this.wsOpen = true;
      this.log(`connected to ${url}`);
      // Do not keep the process alive just for this socket; pending flushes hold a timer instead.
      (ws as unknown as { _socket?: { unref(): void } })._socket?.unref();
      this.sendWs();
    });
    ws.on("message", (data: Buffer) => this.onReply(msgpack.unpack(data) as ServerReply));
    ws.on("error", (e) => {
      this.problem = `WebSocket ${url}: ${e.message}`;
      this.log(`websocket error: ${e.message}`);
    });
    ws.on("close", (code, reason) => {
      this.log(`websocket closed ${code} ${reason.toString()}`);
      // Never opened: the server cannot be reached (an open connection that drops is retried on the same server first).
      if (!this.wsOpen) this.failOver(this.problem || `closed ${code}`);
      this.ws = undefined;
      this.wsOpen = false;
      this.inFlight = [];
      this.sent.clear();
      this.retryLater();
    });
  }

  private sendWs(): void {
    if (!this.wsOpen || !this.ws) return this.connect();
    if (this.inFlight.length >= this.maxInFlight) return;
    for (const e of this.buffer.entries) {
      if (this.inFlight.length >= this.maxInFlight) break;
      if (this.sent.has(e)) continue;
      this.inFlight.push(e);
      this.sent.add(e);
      this.ws.send(e.bytes);
    }
  }

  private onReply(reply: ServerReply): void {
    const head = this.inFlight.shift();
    if (!head) return;
    this.sent.delete(head);
    if (reply.error) return this.refused(head, reply.error);
    this.acked(head.stream, reply);
    this.sendWs();
  }

  // ---- HTTP ----

  /**
   * One POST at a time, in order, each carrying every pending batch of the head's stream written
   * back to back (up to maxPostBytes): at a short cadence HTTP then keeps up as the WebSocket does,
   * one round trip per POST instead of per batch. The server answers with the last batch's ack.
   */
  private async postNext(): Promise<void> {
    if (this.posting || this.retryTimer) return;
    this.posting = true;
    let single = false;
    try {
      while (this.buffer.length > 0) {
        const group = single ? [this.buffer.entries[0]] : this.postGroup();
        const e = group[group.length - 1];
        let reply: ServerReply;
        try {
          const body = group.length === 1 ? e.bytes : concat(group.map((g) => g.bytes));
          const res = await fetch(`${this.base}/v1/batches`, {
            method: "POST",
            headers: { "content-type": "application/msgpack", accept: "application/msgpack", ...this.headers() },
            body: body as Uint8Array<ArrayBuffer>,
            signal: AbortSignal.timeout(30_000),
          });
          reply = msgpack.unpack(new Uint8Array(await res.arrayBuffer())) as ServerReply;
        } catch (err) {
          const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
          this.problem = `POST ${this.base}/v1/batches: ${cause}`;
          this.log(`POST failed: ${cause}`);
          this.failOver(cause);
          this.retryLater();
          return;
        }
        if (reply.error) {
          if (RETRYABLE.has(reply.error.code)) {
            this.retryLater();
            return;
          }
          // Which batch of the group was refused is not known: send the head alone next (batches
          // of the group the server already accepted are acknowledged again, not stored twice).
          if (group.length > 1) {
            single = true;
            continue;
          }
          this.refused(e, reply.error);
        } else this.acked(e.stream, reply);
        single = false;
      }
    } finally {
      this.posting = false;
    }
  }

  /** The head batch and the batches right after it of the same stream, up to maxPostBytes and maxInFlight batches. */
  private postGroup(): Entry[] {
    const entries = this.buffer.entries;
    const group = [entries[0]];
    let bytes = entries[0].bytes.byteLength;
    for (let i = 1; i < entries.length && group.length < this.maxInFlight; i++) {
      const e = entries[i];
      if (e.stream !== group[0].stream || bytes + e.bytes.byteLength > this.maxPostBytes) break;
      group.push(e);
      bytes += e.bytes.byteLength;
    }
    return group;
  }

  // ---- shared ----

  private acked(stream: string, reply: ServerReply): void {
    this.retries = 0;
    if (typeof reply.seq === "number") this.buffer.ack(stream, reply.seq);
    if (typeof reply.stored === "number") this.stored = reply.stored;
    this.notify();
  }

  private refused(e: Entry, error: ReplyError): void {
    this.problem = `the server refused batch ${e.seq}: ${error.code} ${error.message}`;
    this.log(`server refused #${e.seq}: ${error.code} ${error.message}${error.where ? ` at ${error.where}` : ""}`);
    if (RETRYABLE.has(error.code)) return; // the connection closes; everything is resent
    if (error.code === "E_UNKNOWN_STREAM" && !e.batch.open) {
      // The server lost the stream (a new store): send its declarations again with this batch.
      const d = this.decls.get(e.stream);
      if (d?.open) {
        this.buffer.replace(e, { ...decodeBatch(e.bytes), open: d.open, sets: d.sets.slice(0, e.setsThrough), series: d.decls.slice(0, e.seriesThrough) } as Batch);
        return;
      }
    }
    if (error.code === "E_UNKNOWN_EVENT_SOURCE" && !this.eventsRedeclared.has(e)) {
      // The server lost the stream's event declarations (it restarted, or let the stream go): repeat them all.
      const ev = this.eventDecls.get(e.stream);
      if (ev) {
        this.buffer.replace(e, { ...decodeBatch(e.bytes), eventGroups: ev.groups, eventSources: ev.sources } as Batch);
        this.eventsRedeclared.add(e);
        return;
      }
    }
    this.buffer.remove(e);
    this.countDrops(1, `refused with ${error.code}`);
    this.notify();
  }

  private retryLater(): void {
    if (this.retryTimer || (this.closed && this.buffer.length === 0)) return;
    const wait = Math.round(backoffDelay(this.backoff, ++this.retries));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.buffer.length > 0 || this.transport === "ws") this.pump();
    }, wait);
    this.retryTimer.unref();
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves once every batch handed over so far is acknowledged, or after the timeout. */
  forceFlush(timeoutMs = this.timeoutMs): Promise<void> {
    const last = new Map<string, number>();
    for (const e of this.buffer.entries) last.set(e.stream, Math.max(last.get(e.stream) ?? 0, e.seq));
    const done = () => !this.buffer.entries.some((e) => (last.get(e.stream) ?? 0) >= e.seq);
    if (done()) return Promise.resolve();
    this.pump();
    return new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => done() && finish();
      const timer = setTimeout(() => {
        this.log(`flush timed out after ${timeoutMs} ms with ${this.buffer.length} batch(es) unacknowledged`);
        finish();
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /**
   * Waits up to shutdownTimeoutMs for acknowledgements, then closes. What is still unacknowledged
   * is dropped, counted, and said in one stderr line. Never rejects.
   */
  async shutdown(): Promise<void> {
    try {
      await this.forceFlush(this.shutdownTimeoutMs);
    } finally {
      this.closed = true;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.ws?.close(1000);
      this.ws = undefined;
      this.reportUndelivered();
    }
  }

  private reportUndelivered(): void {
    const left = [...this.buffer.entries];
    if (left.length === 0) return;
    let points = 0;
    for (const e of left) {
      try {
        points += pointCount(decodeBatch(e.bytes).points);
      } catch {
        // Counted as a batch regardless.
      }
      this.buffer.remove(e);
    }
    this.dropped += left.length;
    countDroppedBatches(left.length);
    const why = `no acknowledgement within ${this.shutdownTimeoutMs} ms (shutdownTimeoutMs)${this.problem ? `; last error: ${this.problem}` : ""}`;
    process.stderr.write(undeliveredLine("ServerExporter", { batches: left.length, points, to: `${this.base} (${this.transport})`, why }) + "\n");
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
