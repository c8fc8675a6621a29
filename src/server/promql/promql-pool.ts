// The PromQL worker threads. A query's parsing, evaluation and JSON run in a worker, so however
// much JavaScript it takes, the main thread stays free to acknowledge ingest (docs/query-api.md,
// "Isolation"). The main thread only runs the worker's store reads (DuckDB works on libuv's
// threads either way) and hands the columns over without copying them. Queries beyond the
// workers wait for one, within their deadline. A worker still busy past its query's deadline
// (one long synchronous stage) is terminated and replaced, so the deadline holds for everything.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { StoreError } from "../store/store.ts";
import { PromqlError } from "./errors.ts";
import type { NativeSeries } from "./native-catalog.ts";
import type { QueryRequest, ReadReply, ReadRequest, WorkerReply } from "./promql-messages.ts";
import type { HeadSamples } from "./sample-head.ts";
import type { HeadReader, StoreReader } from "./store-reads.ts";

/** What the main thread lends the workers: the store, the native series catalog, the head. */
export interface PoolSource {
  readonly store: StoreReader;
  readonly catalog: () => readonly NativeSeries[];
  readonly head?: HeadReader;
}

// Distributed over the union, so an instant query has `time` and a range query `start`/`end`/`step`.
export type PoolQuery = QueryRequest extends infer Q ? (Q extends QueryRequest ? Omit<Q, "type" | "id"> : never) : never;

interface Job {
  readonly id: number;
  readonly q: PoolQuery;
  readonly resolve: (body: Uint8Array) => void;
  readonly reject: (e: PromqlError) => void;
  timer?: NodeJS.Timeout;
}

/** How long past its deadline a worker may take to give up on its own before it is terminated. */
const GRACE_MS = 1000;

const here = import.meta.url;
const fromSource = here.endsWith(".ts");
// Built, the worker is promql-worker.js beside this file. Under tsx (tests, benches) both are
// TypeScript, and a worker does not inherit tsx's loader: it registers it before importing.
const WORKER = new URL(fromSource ? "./promql-worker.ts" : "./promql-worker.js", here);

function startWorker(): Worker {
  if (!fromSource) return new Worker(WORKER);
  // tsx's tsImport loads a TypeScript module with a loader of its own (resolved here: an eval'd
  // worker has no module path; the ESM build of the API, beside the CommonJS one require finds).
  const api = createRequire(here)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => m.tsImport(${JSON.stringify(WORKER.href)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true });
}

/** The buffers a read's answer hands over rather than copies. */
function transferable(op: ReadRequest["op"], value: unknown): ArrayBuffer[] {
  if (op === "columns") return (value as Float64Array[]).map((c) => c.buffer as ArrayBuffer);
  // The head's series in order are SharedArrayBuffer views: shared, never transferred. Copies are handed over.
  if (op === "head" && value) return (value as HeadSamples).series.filter((s) => !s.ordered).flatMap((s) => [s.t.buffer, s.v.buffer, s.stale.buffer] as ArrayBuffer[]);
  return [];
}

export class PromqlPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private started = 0;
  private nextId = 0;
  private closed = false;

  private readonly size: number;
  private readonly src: PoolSource;

  constructor(size: number, src: PoolSource) {
    this.size = size;
    this.src = src;
  }

  /** The JSON body of the query's success answer; a PromqlError otherwise. */
  run(q: PoolQuery): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new PromqlError("unavailable", "server is shutting down"));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, q, resolve, reject };
      // Waiting for a worker counts against the query's deadline too.
      job.timer = setTimeout(() => this.expire(job), Math.max(0, q.deadline - Date.now()) + GRACE_MS);
      this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const w = this.idle.pop() ?? (this.started < this.size ? this.spawn() : undefined);
      if (!w) return;
      const job = this.queue.shift()!;
      this.busy.set(w, job);
      w.postMessage({ type: "query", id: job.id, ...job.q } as QueryRequest);
    }
  }

  private spawn(): Worker {
    this.started++;
    const w = startWorker();
    // Idle workers must not keep the process alive.
    w.unref();
    w.on("message", (m: WorkerReply | ReadRequest) => (m.type === "read" ? this.read(w, m) : this.finish(w, m)));
    w.on("error", (e) => this.lost(w, `PromQL worker failed: ${e.message}`));
    w.on("exit", (code) => this.lost(w, `PromQL worker exited (code ${code})`));
    return w;
  }

  private read(w: Worker, m: ReadRequest): void {
    const reply = (r: ReadReply, transfer: ArrayBuffer[] = []) => {
      // The query may have been given up (worker terminated) while its read ran.
      if (this.busy.get(w)?.id === m.qid) w.postMessage(r, transfer);
    };
    const task: Promise<unknown> =
      m.op === "catalog"
        ? Promise.resolve(this.src.catalog().map(({ scale: _fn, ...rest }) => rest))
        : m.op === "head"
          ? (this.src.head?.(m.head?.ids ?? [], m.head?.mint ?? 0, m.head?.maxt ?? 0) ?? Promise.resolve(undefined)).then((c) => c ?? null)
          : m.op === "rows"
            ? this.src.store.readRows(m.sql, m.params, m.timeoutMs)
            : this.src.store.readDoubleColumns(m.sql, m.params, m.timeoutMs);
    task.then(
      (value) => reply({ type: "read-reply", rid: m.rid, ok: true, value }, transferable(m.op, value)),
      (e: unknown) =>
        reply(
          e instanceof StoreError
            ? { type: "read-reply", rid: m.rid, ok: false, code: e.error.code, message: e.error.message }
            : { type: "read-reply", rid: m.rid, ok: false, message: (e as Error).message ?? String(e) },
        ),
    );
  }

  private finish(w: Worker, m: WorkerReply): void {
    const job = this.busy.get(w);
    if (!job || job.id !== m.id) return;
    this.busy.delete(w);
    clearTimeout(job.timer);
    if (m.type === "done") job.resolve(m.body);
    else job.reject(new PromqlError(m.error.type, m.error.message));
    if (this.closed) void w.terminate();
    else this.idle.push(w);
    this.dispatch();
  }

  /** Past the deadline and the grace: a waiting query is dropped, a running one's worker ended. */
  private expire(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    for (const [w, j] of this.busy) if (j === job) void w.terminate();
    job.reject(new PromqlError("timeout", "query timed out in expression evaluation"));
  }

  private lost(w: Worker, why: string): void {
    const idle = this.idle.indexOf(w);
    if (idle >= 0) this.idle.splice(idle, 1);
    const job = this.busy.get(w);
    if (this.busy.delete(w) || idle >= 0) this.started--;
    if (job) {
      clearTimeout(job.timer);
      job.reject(new PromqlError(Date.now() > job.q.deadline ? "timeout" : "internal", Date.now() > job.q.deadline ? "query timed out in expression evaluation" : why));
    }
    if (!this.closed) this.dispatch();
  }

  /** Refuses new queries, fails the waiting ones and ends every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.timer);
      job.reject(new PromqlError("unavailable", "server is shutting down"));
    }
    await Promise.all([...this.idle.splice(0), ...this.busy.keys()].map((w) => w.terminate()));
  }
}
