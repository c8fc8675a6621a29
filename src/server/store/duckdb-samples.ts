// Prometheus-model samples in DuckDB: appends from remote write, the series index loaded at
// start, and the one read entry point the PromQL evaluator uses (parameterised SQL with a deadline).
import {
  BIGINT,
  DOUBLE,
  TIMESTAMP,
  DuckDBDataChunk,
  DuckDBDoubleVector,
  DuckDBListValue,
  type DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBVector,
} from "@duckdb/node-api";
import { serverError } from "../errors.ts";
import { timestampMs } from "./duckdb-append.ts";
import { StoreError, type PromMetadata, type PromSeries, type SampleUnit } from "./store.ts";

const CHUNK = 2048;

export async function appendSamples(w: DuckDBConnection, u: SampleUnit): Promise<void> {
  await w.run("BEGIN TRANSACTION");
  try {
    if (u.series.length > 0) {
      const a = await w.createAppender("prom_series");
      for (const s of u.series) {
        a.appendBigInt(BigInt(s.id));
        a.appendVarchar(s.labels.__name__ ?? "");
        a.appendVarchar(JSON.stringify(s.labels));
        a.endRow();
      }
      a.closeSync();
    }
    if (u.length > 0) {
      // Scrapes stamp many series with one time: share the values. A series' samples are
      // consecutive in a request, so its BigInt id is made once per run of equal ids.
      const times = new Map<number, DuckDBTimestampValue>();
      let lastId = NaN,
        lastBig = 0n;
      const a = await w.createAppender("prom_samples");
      for (let start = 0; start < u.length; start += CHUNK) {
        const n = Math.min(CHUNK, u.length - start);
        const chunk = DuckDBDataChunk.create([TIMESTAMP, BIGINT, DOUBLE], n);
        const [time, series, value] = [0, 1, 2].map((c) => chunk.getColumnVector(c));
        for (let i = 0; i < n; i++) {
          const r = start + i;
          const t = u.times[r];
          let ts = times.get(t);
          if (!ts) times.set(t, (ts = timestampMs(t)));
          if (u.ids[r] !== lastId) lastBig = BigInt((lastId = u.ids[r]));
          time.setItem(i, ts);
          series.setItem(i, lastBig);
          value.setItem(i, u.stale[r] ? null : u.values[r]);
        }
        time.flush();
        series.flush();
        value.flush();
        a.appendDataChunk(chunk);
      }
      a.closeSync();
    }
    for (const m of u.metadata) {
      await w.run("DELETE FROM prom_metadata WHERE metric = $1", [m.metric]);
      await w.run("INSERT INTO prom_metadata VALUES ($1, $2, $3, $4)", [m.metric, m.type, m.help, m.unit]);
    }
    await w.run("COMMIT");
  } catch (e) {
    await w.run("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

export async function loadPromSeries(r: DuckDBConnection): Promise<{ series: PromSeries[]; metadata: PromMetadata[] }> {
  const s = await r.runAndReadAll("SELECT id, labels FROM prom_series ORDER BY id");
  const m = await r.runAndReadAll("SELECT metric, type, help, unit FROM prom_metadata");
  return {
    series: (s.getRowsJson() as unknown[][]).map(([id, labels]) => ({ id: Number(id), labels: JSON.parse(String(labels)) as Record<string, string> })),
    metadata: (m.getRowsJson() as unknown[][]).map(([metric, type, help, unit]) => ({
      metric: String(metric),
      type: String(type),
      help: String(help ?? ""),
      unit: String(unit ?? ""),
    })),
  };
}

/**
 * Like readRows for statements whose every column is DOUBLE, copied straight from the result's
 * vectors into typed arrays (NULL as NaN): a DOUBLE vector's data is a Float64Array already, so a
 * chunk without NULLs is one `set`. Per-item reads (and even `rowCount`, a native call) cost
 * seconds over the millions of samples a range query loads.
 */
export async function readDoubleColumns(
  conn: DuckDBConnection,
  sql: string,
  params: Record<string, DuckDBValue>,
  timeoutMs: number,
): Promise<Float64Array<ArrayBuffer>[]> {
  return interruptible(conn, timeoutMs, async () => {
    const result = await conn.run(sql, params);
    const chunks = await result.fetchAllChunks();
    const counts = chunks.map((c) => c.rowCount);
    let n = 0;
    for (const c of counts) n += c;
    const out = Array.from({ length: result.columnCount }, () => new Float64Array(n));
    let at = 0;
    for (let k = 0; k < chunks.length; k++) {
      // This runs on the thread that acknowledges ingest: let it in every quarter million rows.
      if (k % 128 === 127) await new Promise((r) => setImmediate(r));
      const rows = counts[k];
      for (let col = 0; col < out.length; col++) copyDoubles(chunks[k].getColumnVector(col), rows, out[col], at);
      at += rows;
    }
    return out;
  });
}

function copyDoubles(vec: DuckDBVector, rows: number, dst: Float64Array, at: number): void {
  if (!(vec instanceof DuckDBDoubleVector)) throw new Error(`readDoubleColumns: a column is ${vec.type.toString()}, not DOUBLE`);
  // The data and the validity mask are private in the typings: use them when they are what 1.5
  // has (a Float64Array; a mask that is null when every item is valid, else one bit per item),
  // and otherwise read item by item, which is right but slow.
  const inner = vec as unknown as { items?: unknown; validity?: { data?: unknown } };
  const mask = inner.validity?.data;
  if (!(inner.items instanceof Float64Array) || (mask !== null && !(mask instanceof BigUint64Array))) {
    for (let i = 0; i < rows; i++) dst[at + i] = vec.getItem(i) ?? NaN;
    return;
  }
  dst.set(inner.items.subarray(0, rows), at);
  if (mask === null) return;
  // A set bit is a valid item: NULLs (counters' count, min and max) become NaN, 32 bits at a time.
  for (let w = 0; w * 64 < rows; w++) {
    const word = mask[w];
    if (word === ALL_VALID) continue;
    const end = Math.min(rows, w * 64 + 64);
    if (word === 0n) {
      dst.fill(NaN, at + w * 64, at + end);
      continue;
    }
    const halves = [Number(word & 0xffffffffn), Number(word >> 32n)];
    for (let i = w * 64; i < end; i++) if ((halves[(i >> 5) & 1] & (1 << (i & 31))) === 0) dst[at + i] = NaN;
  }
}

const ALL_VALID = 0xffffffffffffffffn;

/** Runs `task`, interrupting the connection after `timeoutMs` (then E_QUERY_TIMEOUT). */
async function interruptible<T>(conn: DuckDBConnection, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      conn.interrupt();
    },
    Math.max(1, timeoutMs),
  );
  try {
    return await task();
  } catch (e) {
    if (timedOut) throw new StoreError(serverError("E_QUERY_TIMEOUT", `query interrupted after ${timeoutMs} ms`));
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** BIGINTs as numbers, LISTs as arrays. */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof DuckDBListValue) return v.items.map(plain);
  return v;
}

/** Runs one internal read (never user SQL), interrupted after `timeoutMs`; BIGINTs come back as numbers. */
export async function readRows(conn: DuckDBConnection, sql: string, params: Record<string, DuckDBValue>, timeoutMs: number): Promise<unknown[][]> {
  return interruptible(conn, timeoutMs, async () => (await conn.runAndReadAll(sql, params)).getRows().map((row) => row.map(plain)));
}
