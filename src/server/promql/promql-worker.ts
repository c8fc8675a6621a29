// A PromQL worker thread: parses and evaluates queries and serialises their answers, so a heavy
// query's JavaScript never runs on the thread that acknowledges ingest. It has no store of its
// own: every read is a message to the main thread, which runs it on the store's query connections
// (as in-process evaluation does) and sends the columns back as transferred buffers.
import { parentPort } from "node:worker_threads";
import { scaler } from "../../exposition/prometheus-text.ts";
import { serverError, type ErrorCode } from "../errors.ts";
import { StoreError } from "../store/store.ts";
import { PromqlError } from "./errors.ts";
import type { NativeSeries } from "./native-catalog.ts";
import type { HeadSamples } from "./sample-head.ts";
import { instantQuery, rangeQuery, type PromqlLimits } from "./query.ts";
import type { QueryRequest, ReadReply, ReadRequest, WorkerReply } from "./promql-messages.ts";
import type { StoreReader } from "./store-reads.ts";

const port = parentPort;
if (!port) throw new Error("promql-worker.ts runs as a worker thread only");

let nextRead = 0;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function read<T>(msg: Omit<ReadRequest, "type" | "rid">): Promise<T> {
  const rid = nextRead++;
  return new Promise<T>((resolve, reject) => {
    pending.set(rid, { resolve: resolve as (v: unknown) => void, reject });
    port!.postMessage({ type: "read", rid, ...msg } satisfies ReadRequest);
  });
}

function onReadReply(m: ReadReply): void {
  const p = pending.get(m.rid);
  if (!p) return;
  pending.delete(m.rid);
  if (m.ok) p.resolve(m.value);
  // Store errors keep their code, so store-reads.ts maps them exactly as in-process.
  else if (m.code) p.reject(new StoreError(serverError(m.code as ErrorCode, m.message)));
  else p.reject(new Error(m.message));
}

function storeFor(qid: number): StoreReader {
  return {
    readRows: (sql, params, timeoutMs) => read({ qid, op: "rows", sql, params, timeoutMs }),
    readDoubleColumns: (sql, params, timeoutMs) => read({ qid, op: "columns", sql, params, timeoutMs }),
  };
}

async function answer(q: QueryRequest): Promise<Uint8Array> {
  let catalog: Promise<readonly NativeSeries[]> | undefined;
  const native = {
    intervalMs: q.limits.nativeIntervalMs,
    // Asked once per query; the scale function is rebuilt from its factor.
    catalog: () =>
      (catalog ??= read<Omit<NativeSeries, "scale">[]>({ qid: q.id, op: "catalog", sql: "", params: {}, timeoutMs: 0 }).then((list) =>
        list.map((s) => ({ ...s, scale: scaler(s.scaleBy) })),
      )),
  };
  const head = (ids: readonly number[], mint: number, maxt: number) =>
    read<HeadSamples | null>({ qid: q.id, op: "head", sql: "", params: {}, timeoutMs: 0, head: { ids, mint, maxt } }).then((c) => c ?? undefined);
  const src = { store: storeFor(q.id), native, head };
  const limits: PromqlLimits = q.limits;
  const timeout = Math.max(1, q.deadline - Date.now());
  const data = q.kind === "instant" ? await instantQuery(src, limits, q.query, q.time, timeout) : await rangeQuery(src, limits, q.query, q.start, q.end, q.step, timeout);
  return new TextEncoder().encode(JSON.stringify({ status: "success", data }));
}

port.on("message", (m: QueryRequest | ReadReply) => {
  if (m.type === "read-reply") return onReadReply(m);
  answer(m).then(
    (body) => port.postMessage({ type: "done", id: m.id, body } satisfies WorkerReply, [body.buffer as ArrayBuffer]),
    (e: unknown) => {
      const error = e instanceof PromqlError ? { type: e.type, message: e.message } : { type: "internal" as const, message: (e as Error).message ?? String(e) };
      port.postMessage({ type: "failed", id: m.id, error } satisfies WorkerReply);
    },
  );
});
