// The messages between the server's main thread and its PromQL worker threads (promql-pool.ts,
// promql-worker.ts): a query goes in, reads come out and their results go back, and the answer
// comes out as the JSON body, ready to send.
import type { PromErrorType } from "./errors.ts";
import type { PromqlLimits } from "./query.ts";

interface QueryCommon {
  readonly type: "query";
  readonly id: number;
  readonly query: string;
  readonly limits: PromqlLimits;
  /** Date.now() value past which the query stops (the same clock in every thread). */
  readonly deadline: number;
}

export type QueryRequest =
  | (QueryCommon & { readonly kind: "instant"; readonly time: number })
  | (QueryCommon & { readonly kind: "range"; readonly start: number; readonly end: number; readonly step: number });

/** A store read (rows, DOUBLE columns), the native series catalog, or recent samples from the head, for query `qid`. */
export interface ReadRequest {
  readonly type: "read";
  readonly rid: number;
  readonly qid: number;
  readonly op: "rows" | "columns" | "catalog" | "head";
  readonly sql: string;
  readonly params: Record<string, string | number>;
  readonly timeoutMs: number;
  /** op "head": the series and the time range (ms). */
  readonly head?: { readonly ids: readonly number[]; readonly mint: number; readonly maxt: number };
}

export type ReadReply =
  | { readonly type: "read-reply"; readonly rid: number; readonly ok: true; readonly value: unknown }
  /** `code`: a store error's code (E_QUERY_TIMEOUT, E_TOO_MANY_QUERIES, ...), kept across the thread. */
  | { readonly type: "read-reply"; readonly rid: number; readonly ok: false; readonly code?: string; readonly message: string };

export type WorkerReply =
  | { readonly type: "done"; readonly id: number; readonly body: Uint8Array }
  | { readonly type: "failed"; readonly id: number; readonly error: { readonly type: PromErrorType; readonly message: string } };
