// The connections user queries run on, bounded by the concurrency limit. Each query has a
// connection to itself for its whole run, so its deadline interrupts that connection and nothing
// else; ingest (commits, stream loads) has connections of its own and never waits behind a query.
// A connection that was interrupted is closed rather than reused, so an interrupt can never reach
// a later query.
//
// Every running DuckDB call holds one thread of libuv's pool (UV_THREADPOOL_SIZE, 4 by default),
// which ingest needs too: the bin raises the pool, and `poolFits` tells whether a limit fits it.
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { serverError } from "../errors.ts";
import { StoreError } from "./store.ts";

/** libuv threads kept free for ingest: the writer, the stream loader, and one for zlib/fs. */
export const THREADS_FOR_INGEST = 3;

/** The libuv pool size this process was started with (the environment is read once, at its first use). */
export const libuvPoolSize = (): number => Math.min(Math.max(Number(process.env.UV_THREADPOOL_SIZE) || 4, 1), 1024);

export class QueryPool {
  private readonly idle: DuckDBConnection[] = [];
  /** Queries admitted (running or getting their connection), and how each can be interrupted. */
  private readonly running = new Map<Promise<unknown>, () => void>();
  private closed = false;

  private readonly instance: DuckDBInstance;
  private readonly maxConcurrent: number;
  private readonly timeoutMs: number;

  constructor(instance: DuckDBInstance, maxConcurrent: number, timeoutMs: number) {
    this.instance = instance;
    this.maxConcurrent = maxConcurrent;
    this.timeoutMs = timeoutMs;
  }

  /** Runs `task` on a connection of its own, interrupted after the deadline; refuses past the limit. */
  run<T>(task: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError(serverError("E_SHUTTING_DOWN", "server is shutting down")));
    if (this.running.size >= this.maxConcurrent) {
      return Promise.reject(
        new StoreError(serverError("E_TOO_MANY_QUERIES", `${this.maxConcurrent} queries are already running (--max-queries); retry when one has finished`)),
      );
    }
    let interrupted: "deadline" | "shutdown" | undefined;
    let conn: DuckDBConnection | undefined;
    let repeat: NodeJS.Timeout | undefined;
    const interrupt = (why: "deadline" | "shutdown") => {
      interrupted ??= why;
      conn?.interrupt();
      // A query is several DuckDB calls (parse, checks, run), and an interrupt that lands between
      // two of them is lost when the next one starts: repeat it until the task gives up.
      repeat ??= setInterval(() => conn?.interrupt(), 50);
    };
    const timer = setTimeout(() => interrupt("deadline"), this.timeoutMs);
    const run = (async () => {
      try {
        conn = this.idle.pop() ?? (await this.instance.connect());
        if (interrupted) throw new Error("interrupted before it started");
        return await task(conn);
      } catch (e) {
        if (interrupted === "deadline") throw new StoreError(serverError("E_QUERY_TIMEOUT", `query interrupted after ${this.timeoutMs} ms (--query-timeout)`));
        if (interrupted === "shutdown") throw new StoreError(serverError("E_SHUTTING_DOWN", "query interrupted: the server is shutting down"));
        throw e;
      } finally {
        clearTimeout(timer);
        clearInterval(repeat);
        if (conn && (interrupted || this.closed)) conn.closeSync();
        else if (conn) this.idle.push(conn);
      }
    })();
    // Admitted synchronously, so concurrent callers cannot overshoot the limit.
    this.running.set(run, () => interrupt("shutdown"));
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /** Interrupts every running query and refuses new ones (shutdown); resolves once they have returned. */
  interruptAll(): Promise<unknown> {
    this.closed = true;
    for (const interrupt of this.running.values()) interrupt();
    return Promise.allSettled([...this.running.keys()]);
  }

  /**
   * Interrupts what runs, waits for it to end, and closes the connections. DuckDB checks for an
   * interrupt between chunks, so a query inside one long computation ends only when it is done:
   * the CLI bounds that wait with --shutdown-grace.
   */
  async close(): Promise<void> {
    await this.interruptAll();
    for (const conn of this.idle.splice(0)) conn.closeSync();
  }
}
