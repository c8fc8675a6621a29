// The one place through which the PromQL evaluator reads the store: every statement it runs goes
// through `runEvaluatorSql` or `runEvaluatorColumns`, which run on the store's query connections
// (each read counts against --max-queries like a SQL query) within the PromQL deadline.
import { PromqlError } from "./errors.ts";
import type { NativeSeries } from "./native-catalog.ts";
import type { HeadSamples } from "./sample-head.ts";
import type { Store } from "../store/store.ts";
import { StoreError } from "../store/store.ts";

/** The SDK's and OTLP's own (delta) metrics, presented as scraped series. */
export interface NativeSource {
  /** The series there are now (the server's in-memory catalog; asked of the main thread from a worker). */
  readonly catalog: () => Promise<readonly NativeSeries[]>;
  /** The scrape interval the series are presented at (ms). */
  readonly intervalMs: number;
}

/** The store reads the evaluator makes: the store itself, or in a worker, messages to the thread that has it. */
export type StoreReader = Pick<Store, "readRows" | "readDoubleColumns">;

/**
 * Recent samples held in memory (sample-head.ts): those of `ids` in [mint, maxt], one run per
 * series, or undefined when the head does not cover that range.
 */
export type HeadReader = (ids: readonly number[], mint: number, maxt: number) => Promise<HeadSamples | undefined>;

export interface QueryBudget {
  readonly store: StoreReader;
  /** Date.now() value past which the query stops with a timeout. */
  readonly deadline: number;
  readonly maxSamples: number;
  /** Samples loaded so far by this query. */
  loaded: number;
  /** The SDK's and OTLP's own metrics, presented as scraped series (absent: remote-written series only). */
  readonly native?: NativeSource;
  /** Recent remote-written samples in memory (absent: every read goes to the store). */
  readonly head?: HeadReader;
  /**
   * This query's reads, chained: one at a time, so a PromQL query holds at most one of the store's
   * query connections (--max-queries) however many selectors it evaluates at once.
   */
  reads?: Promise<unknown>;
}

export interface RawSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** ms, ascending, no duplicates. */
  readonly t: Float64Array;
  readonly v: Float64Array;
  /** 1 where the sample is a staleness marker. */
  readonly stale: Uint8Array;
}

export function checkDeadline(b: QueryBudget): void {
  if (Date.now() > b.deadline) throw new PromqlError("timeout", "query timed out in expression evaluation");
}

/** Store errors that mean "not now": the query may be retried. */
const BUSY = new Set(["E_TOO_MANY_QUERIES", "E_SHUTTING_DOWN"]);

/** The one place through which the evaluator reads the store (rows, or DOUBLE columns). */
function guarded<T>(b: QueryBudget, read: (timeoutMs: number) => Promise<T>): Promise<T> {
  const next = (b.reads ?? Promise.resolve()).then(() => readOnce(b, read));
  b.reads = next.catch(() => undefined);
  return next;
}

async function readOnce<T>(b: QueryBudget, read: (timeoutMs: number) => Promise<T>): Promise<T> {
  checkDeadline(b);
  try {
    return await read(b.deadline - Date.now());
  } catch (e) {
    if (e instanceof StoreError && e.error.code === "E_QUERY_TIMEOUT") throw new PromqlError("timeout", "query timed out in expression evaluation");
    if (e instanceof StoreError && BUSY.has(e.error.code)) throw new PromqlError("unavailable", e.error.message);
    const message = (e as Error).message;
    if (/regex|regular expression/i.test(message)) throw new PromqlError("bad_data", `invalid regular expression in a label matcher: ${message}`);
    throw new PromqlError("internal", `store read failed: ${message}`);
  }
}

export function runEvaluatorSql(b: QueryBudget, sql: string, params: Record<string, string | number>): Promise<unknown[][]> {
  return guarded(b, (timeoutMs) => b.store.readRows(sql, params, timeoutMs));
}

export function runEvaluatorColumns(b: QueryBudget, sql: string, params: Record<string, string | number>): Promise<Float64Array[]> {
  return guarded(b, (timeoutMs) => b.store.readDoubleColumns(sql, params, timeoutMs));
}
