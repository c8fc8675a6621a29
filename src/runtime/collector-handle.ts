// The main thread's side of `new Collector({ thread: true })`: a small handle that starts the
// collector thread (collector-thread.ts) and talks to it over one command port (see
// collector-protocol.ts). Async commands (flush, shutdown) await their reply; collect() and stats
// block in Atomics.wait until the thread has answered, then read the reply off the port
// synchronously, so they keep the synchronous signatures of the main-thread collector.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { BroadcastChannel, MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { SEVERITY_NUMBERS, type Severity } from "../schema/events.ts";
import type { AttrValue, Resource } from "../wire/batch.ts";
import { CHANNEL_NAME, type ChannelMessage } from "./channel.ts";
import { REPLIES, type CollectorStats, type Commands, type CommandName, type ThreadMessage, type ThreadStart } from "./collector-protocol.ts";
import { onProcessExit } from "./exit-flush.ts";
import { EncodedBatch, type ExportBatch, type Exporter } from "./exporter.ts";
import { checkExporterSpec, isExporterSpec, type ExporterSpec } from "./exporter-spec.ts";
import { defaultResource } from "./resource.ts";
import { countDroppedBatches } from "./sdk-counters.ts";
import { threadRegistry } from "./thread-registry.ts";

export interface CollectorThreadOptions {
  readonly cadenceMs?: number;
  readonly view?: "aggregate" | "thread";
  readonly resource?: Readonly<Record<string, AttrValue>>;
  readonly exporters?: readonly (Exporter | ExporterSpec)[];
  readonly exitFlush?: boolean;
  readonly exitFlushTimeoutMs?: number;
}

/** How long collect() and stats block for the thread's answer (the first one includes the thread's start). */
const SYNC_TIMEOUT_MS = 30_000;
const KNOWN = new Set(["cadenceMs", "view", "resource", "exporters", "thread", "exitFlush", "exitFlushTimeoutMs"]);

/** Whether `new Collector()` without `thread` runs in its own thread: PERCORE_COLLECTOR_THREAD=1 says yes. */
export function threadModeDefault(): boolean {
  const v = process.env.PERCORE_COLLECTOR_THREAD;
  return v === "1" || v === "true";
}

export class CollectorHandle {
  readonly cadenceMs: number;
  readonly view: "aggregate" | "thread";
  readonly resource: Resource;
  readonly stream = randomUUID();
  /** Exporter objects: they stay on this thread and get every batch relayed from the collector thread. */
  private readonly local: readonly Exporter[];
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly exitFlushTimeoutMs: number;
  private nextId = 1;
  private closed = false;
  private failure: Error | undefined;
  private unsubscribe: (() => void) | undefined;
  private cancelExitFlush: (() => void) | undefined;
  private bridge: BroadcastChannel | undefined;

  constructor(options: CollectorThreadOptions) {
    this.cadenceMs = options.cadenceMs ?? 1000;
    if (!(this.cadenceMs >= 1)) throw new RangeError(`cadenceMs must be >= 1, got ${options.cadenceMs}`);
    this.view = options.view ?? "aggregate";
    this.resource = defaultResource(options.resource);
    this.exitFlushTimeoutMs = options.exitFlushTimeoutMs ?? 10_000;
    const specs: ExporterSpec[] = [];
    const local: Exporter[] = [];
    (options.exporters ?? []).forEach((e, i) => {
      if (!isExporterSpec(e)) return void local.push(e);
      const error = checkExporterSpec(e, i);
      if (error) throw Object.assign(new TypeError(error.message), { code: error.code });
      specs.push(e);
    });
    this.local = local;
    const extra = Object.fromEntries(Object.entries(options).filter(([k]) => !KNOWN.has(k)));
    const signal = new SharedArrayBuffer(4);
    this.signal = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    const start: ThreadStart = {
      cadenceMs: this.cadenceMs,
      view: this.view,
      resource: this.resource,
      stream: this.stream,
      specs,
      relay: local.length > 0,
      signal,
      extra,
    };
    this.worker = spawnThread({ start, port: port2 }, [port2]);
    this.worker.unref();
    this.worker.on("error", (error) => this.fail(new Error(`percore: collector thread failed: ${String(error)}`)));
    this.worker.on("exit", () => {
      // The thread ends by itself right after answering shutdown, and its "exit" may be seen before
      // the port delivers that answer: read what it posted first, so a reply is never lost.
      for (let r = receiveMessageOnPort(this.port); r; r = receiveMessageOnPort(this.port)) this.dispatch(r.message as ThreadMessage);
      this.fail(new Error("percore: collector thread exited"));
    });
    this.port = port1;
    this.port.on("message", (m: ThreadMessage) => this.dispatch(m));
    this.port.unref();
    // This thread's SDK counters exist from the start, as with a collector on this thread.
    threadRegistry().sdkCounters();
    this.unsubscribe = threadRegistry().subscribe((m) => this.notify("announce", m));
    this.openBridge();
    if (options.exitFlush !== false) this.cancelExitFlush = onProcessExit(() => this.exitFlush());
  }

  /**
   * This thread listens on the channel too, for the handle's whole life, and forwards what it
   * hears: a channel does not keep messages for listeners that come later, so a worker that
   * announced (or recorded and exited) while the collector thread was still starting would be
   * missed, and "ready" says nothing about messages still queued here while this thread was busy.
   * The cost is one forwarded message per instance created and per thread exit (the slow path).
   * Messages heard twice (here and in the thread) are told apart by (thread, instance id).
   */
  private openBridge(): void {
    const bridge = new BroadcastChannel(CHANNEL_NAME);
    bridge.unref();
    bridge.onmessage = (event) => {
      const m = (event as { data: ChannelMessage }).data;
      if (m.t !== "hello") this.notify("announce", m);
    };
    // Registries that already exist re-announce now, not only when the thread's collector says hello.
    bridge.postMessage({ t: "hello" });
    this.bridge = bridge;
  }

  private closeBridge(): void {
    this.bridge?.close();
    this.bridge = undefined;
  }

  start(): this {
    this.notify("start", undefined);
    return this;
  }

  threadExited(threadId: number): void {
    this.notify("threadExited", threadId);
  }

  /** Collector.setLevel, applied by the collector thread (ordered after the announcements before it). */
  setLevel(group: string, level: Severity): void {
    // Checked here too, so a bad level throws at the caller as on a main-thread collector.
    if (!Object.hasOwn(SEVERITY_NUMBERS, level)) throw new RangeError(`unknown level ${JSON.stringify(level)}; use one of ${Object.keys(SEVERITY_NUMBERS).join(", ")}`);
    this.notify("setLevel", { group, level });
  }

  get stats(): CollectorStats {
    if (this.closed) return { threads: 0, instances: 0, series: 0 };
    return this.requestSync("stats", undefined, SYNC_TIMEOUT_MS);
  }

  /** One flush now, in the collector thread; blocks this thread until it is done. */
  collect(): ExportBatch | undefined {
    if (this.closed) return undefined;
    const out = this.requestSync("collect", undefined, SYNC_TIMEOUT_MS);
    return out && new EncodedBatch(out.header, out.bytes);
  }

  async flush(): Promise<void> {
    if (this.closed) return;
    await this.request("flush", undefined);
    await Promise.all(this.local.map((e) => e.forceFlush?.()));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.close();
    try {
      await this.request("shutdown", undefined);
    } finally {
      await Promise.all(this.local.map((e) => e.shutdown?.()));
      this.port.close();
    }
  }

  /** The process is ending: flush the last interval in the thread while this thread waits (see exit-flush.ts). */
  private exitFlush(): void {
    if (this.closed) return;
    this.close();
    try {
      this.requestSync("shutdown", undefined, this.exitFlushTimeoutMs);
    } catch (error) {
      console.error(`percore: the exit flush did not finish: ${(error as Error).message}; the last interval may be lost`);
    }
    // Exporters on this thread got the last batch; what they deliver asynchronously cannot finish now.
    for (const e of this.local) void e.shutdown?.()?.catch(() => {});
  }

  private close(): void {
    this.closed = true;
    this.closeBridge();
    this.unsubscribe?.();
    this.cancelExitFlush?.();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    if (!this.closed) console.error(error.message);
  }

  private dispatch(m: ThreadMessage): void {
    switch (m.t) {
      case "batch": {
        const batch = new EncodedBatch(m.header, m.bytes);
        for (const e of this.local) {
          try {
            e.export(batch);
          } catch (error) {
            countDroppedBatches();
            console.error(`percore: exporter ${e.constructor.name} threw, batch ${m.header.seq} dropped for it:`, error);
          }
        }
        return;
      }
      case "reply": {
        const p = this.pending.get(m.id);
        // A reply nobody waits for any more (a blocking request that timed out).
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) this.port.unref();
        if (m.ok) p.resolve(m.value);
        else p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
        return;
      }
      case "failed":
        this.fail(Object.assign(new Error(m.error.message), { code: m.error.code }));
        return;
      case "ready":
        return;
      case "log":
        console.error(m.text);
        return;
    }
  }

  /** A command without a reply (id 0). */
  private notify<C extends CommandName>(cmd: C, arg: Commands[C]["arg"]): void {
    if (this.failure) return;
    this.port.postMessage({ t: "request", id: 0, cmd, arg });
  }

  private request<C extends CommandName>(cmd: C, arg: Commands[C]["arg"]): Promise<Commands[C]["value"]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Keep the process alive while a reply is awaited (the port is unref'd otherwise).
    if (this.pending.size === 0) this.port.ref();
    const reply = new Promise<Commands[C]["value"]>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.port.postMessage({ t: "request", id, cmd, arg });
    return reply;
  }

  /** Posts a command and blocks until its reply; messages read meanwhile (batches, other replies) are dispatched in order. */
  private requestSync<C extends CommandName>(cmd: C, arg: Commands[C]["arg"], timeoutMs: number): Commands[C]["value"] {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    this.port.postMessage({ t: "request", id, cmd, arg });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.signal, REPLIES);
      for (let r = receiveMessageOnPort(this.port); r; r = receiveMessageOnPort(this.port)) {
        const m = r.message as ThreadMessage;
        if (m.t === "reply" && m.id === id) {
          if (m.ok) return m.value as Commands[C]["value"];
          throw Object.assign(new Error(m.error.message), { code: m.error.code });
        }
        this.dispatch(m);
      }
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw Object.assign(new Error(`collector thread did not answer ${cmd} within ${timeoutMs} ms`), { code: "collector-thread-timeout" });
      Atomics.wait(this.signal, REPLIES, seen, left);
    }
  }
}

/**
 * Starts collector-thread.js next to this file. Running from TypeScript sources (tests, benches,
 * `--conditions=source`), the thread registers tsx first: Node 20 ignores `--import` in a worker's
 * execArgv, and the "source" condition makes `percore/*` resolve to the same sources.
 */
function spawnThread(workerData: unknown, transferList: MessagePort[]): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./collector-thread.js", here), { workerData, transferList });
  const entry = new URL("./collector-thread.ts", here).href;
  // The bootstrap is an ES module (a data: URL) that imports tsx's ESM API by its file URL: the
  // CommonJS API, loaded through hooks a parent thread registered, resolves its own files wrongly.
  const tsx = pathToFileURL(
    createRequire(here)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData, transferList, execArgv: ["--conditions=source"] });
}
