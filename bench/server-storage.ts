// Storage layout decision for the telemetry server: one long `points` table (a row per changed
// field value) against one wide table per metric set (a row per series and interval, a column
// per field). Same synthetic data for both: ingest through the DuckDB Appender (data chunks, as
// the server does) and a typical dashboard query (per-minute sum of one field, grouped by an
// entity attribute, over the whole range).
//
//   node --conditions=source --import tsx bench/server-storage.ts [series=200] [fields=8] [intervals=600]
import { mkdirSync, rmSync } from "node:fs";
import {
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  INTEGER,
  SMALLINT,
  TIMESTAMP_MS,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";

const [series = 200, fields = 8, intervals = 600] = process.argv.slice(2).map(Number);
const CHUNK = 2048;
const dir = ".tmp/bench-storage";
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

async function appendRows(
  conn: Awaited<ReturnType<DuckDBInstance["connect"]>>,
  table: string,
  types: DuckDBType[],
  rows: number,
  fill: (cols: DuckDBValue[][], row: number, at: number) => void,
) {
  const appender = await conn.createAppender(table);
  for (let off = 0; off < rows; off += CHUNK) {
    const n = Math.min(CHUNK, rows - off);
    const cols = types.map(() => new Array<DuckDBValue>(n));
    for (let i = 0; i < n; i++) fill(cols, off + i, i);
    const chunk = DuckDBDataChunk.create(types, n);
    chunk.setColumns(cols);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}

const t0 = 1_700_000_000_000;
const cadence = 10_000;
const values = series * fields * intervals;

async function long(): Promise<{ ingest: number; query: number; bytes: string }> {
  const db = await DuckDBInstance.create(`${dir}/long.duckdb`);
  const c = await db.connect();
  await c.run("CREATE TABLE instances (series INTEGER, route VARCHAR)");
  await c.run("CREATE TABLE points (time TIMESTAMP_MS, stream_id INTEGER, series INTEGER, slot INTEGER, field SMALLINT, value DOUBLE)");
  await c.run(`INSERT INTO instances SELECT i, 'route-' || (i % 10) FROM range(${series}) t(i)`);
  const types = [TIMESTAMP_MS, INTEGER, INTEGER, INTEGER, SMALLINT, DOUBLE];
  const start = performance.now();
  await c.run("BEGIN");
  await appendRows(c, "points", types, values, (cols, r, i) => {
    const f = r % fields,
      s = Math.floor(r / fields) % series,
      k = Math.floor(r / (fields * series));
    cols[0][i] = new DuckDBTimestampMillisecondsValue(BigInt(t0 + k * cadence));
    cols[1][i] = 1;
    cols[2][i] = s;
    cols[3][i] = 0;
    cols[4][i] = f;
    cols[5][i] = (r % 97) + 1;
  });
  await c.run("COMMIT");
  const ingest = performance.now() - start;
  const q0 = performance.now();
  await c.runAndReadAll(
    `SELECT time_bucket(INTERVAL 1 minute, p.time) t, i.route, sum(value) FROM points p JOIN instances i USING (series) WHERE p.field = 3 GROUP BY ALL ORDER BY ALL`,
  );
  const query = performance.now() - q0;
  await c.run("CHECKPOINT");
  const size = (await c.runAndReadAll("SELECT database_size FROM pragma_database_size()")).getRows()[0][0] as string;
  c.closeSync();
  db.closeSync();
  return { ingest, query, bytes: size };
}

async function wide(): Promise<{ ingest: number; query: number; bytes: string }> {
  const db = await DuckDBInstance.create(`${dir}/wide.duckdb`);
  const c = await db.connect();
  await c.run("CREATE TABLE instances (series INTEGER, route VARCHAR)");
  const cols = Array.from({ length: fields }, (_, f) => `f${f} DOUBLE`).join(", ");
  await c.run(`CREATE TABLE set_http (time TIMESTAMP_MS, stream_id INTEGER, series INTEGER, slot INTEGER, ${cols})`);
  await c.run(`INSERT INTO instances SELECT i, 'route-' || (i % 10) FROM range(${series}) t(i)`);
  const types = [TIMESTAMP_MS, INTEGER, INTEGER, INTEGER, ...Array.from({ length: fields }, () => DOUBLE)];
  const start = performance.now();
  await c.run("BEGIN");
  await appendRows(c, "set_http", types, series * intervals, (cl, r, i) => {
    const s = r % series,
      k = Math.floor(r / series);
    cl[0][i] = new DuckDBTimestampMillisecondsValue(BigInt(t0 + k * cadence));
    cl[1][i] = 1;
    cl[2][i] = s;
    cl[3][i] = 0;
    for (let f = 0; f < fields; f++) cl[4 + f][i] = ((r * fields + f) % 97) + 1;
  });
  await c.run("COMMIT");
  const ingest = performance.now() - start;
  const q0 = performance.now();
  await c.runAndReadAll(`SELECT time_bucket(INTERVAL 1 minute, p.time) t, i.route, sum(f3) FROM set_http p JOIN instances i USING (series) GROUP BY ALL ORDER BY ALL`);
  const query = performance.now() - q0;
  await c.run("CHECKPOINT");
  const size = (await c.runAndReadAll("SELECT database_size FROM pragma_database_size()")).getRows()[0][0] as string;
  c.closeSync();
  db.closeSync();
  return { ingest, query, bytes: size };
}

const fmt = (r: { ingest: number; query: number; bytes: string }) =>
  `ingest ${(values / (r.ingest / 1000) / 1e6).toFixed(2)}M field values/s (${r.ingest.toFixed(0)} ms), query ${r.query.toFixed(1)} ms, file ${r.bytes}`;
console.log(`${series} series x ${fields} fields x ${intervals} intervals = ${values} field values`);
console.log(`long points table : ${fmt(await long())}`);
console.log(`wide table per set: ${fmt(await wide())}`);
rmSync(dir, { recursive: true, force: true });
