// Bulk appends of decoded points through the DuckDB Appender, a data chunk (2048 rows) at a time.
// Columns are written straight from PointRows' typed arrays; one timestamp object is shared by
// all rows of the same time (a batch's points share its interval end), so a scalar row costs no
// allocation. Scalar and distribution rows go to separate tables: the scalar table has no
// nullable column, because setting NULLs through the Node API's validity masks is slow.
import {
  DOUBLE,
  INTEGER,
  LIST,
  SMALLINT,
  TIMESTAMP,
  DuckDBDataChunk,
  DuckDBTimestampValue,
  listValue,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBVector,
} from "@duckdb/node-api";
import type { PointRows } from "../ingest/point-rows.ts";

const SCALAR_TYPES = [TIMESTAMP, INTEGER, INTEGER, INTEGER, SMALLINT, DOUBLE];
const DISTRIBUTION_TYPES = [...SCALAR_TYPES, DOUBLE, DOUBLE, DOUBLE, LIST(DOUBLE)];
const CHUNK = 2048;

export const timestampMs = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(Math.round(ms * 1000)));

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
const isScalar = (rows: PointRows, r: number): boolean => Number.isNaN(rows.count[r]) && rows.buckets[r] === undefined;

export function countScalar(rows: PointRows): number {
  let n = 0;
  for (let r = 0; r < rows.length; r++) if (isScalar(rows, r)) n++;
  return n;
}

function appendRows(
  appender: DuckDBAppender,
  rows: PointRows,
  types: DuckDBType[],
  wanted: (r: number) => boolean,
  fill: (v: DuckDBVector[], i: number, r: number) => void,
): void {
  let lastTime = NaN;
  let lastValue = timestampMs(0);
  let r = 0;
  while (r < rows.length) {
    const picked: number[] = [];
    for (; r < rows.length && picked.length < CHUNK; r++) if (wanted(r)) picked.push(r);
    if (picked.length === 0) break;
    const chunk = DuckDBDataChunk.create(types, picked.length);
    const v: DuckDBVector[] = [];
    for (let c = 0; c < types.length; c++) v.push(chunk.getColumnVector(c));
    const [time, stream, series, slot, field, value] = v;
    for (let i = 0; i < picked.length; i++) {
      const row = picked[i];
      if (rows.time[row] !== lastTime) {
        lastTime = rows.time[row];
        lastValue = timestampMs(lastTime);
      }
      time.setItem(i, lastValue);
      stream.setItem(i, rows.stream[row]);
      series.setItem(i, rows.series[row]);
      slot.setItem(i, rows.slot[row]);
      field.setItem(i, rows.field[row]);
      value.setItem(i, rows.value[row]);
      fill(v, i, row);
    }
    for (const vec of v) vec.flush();
    appender.appendDataChunk(chunk);
  }
}

export function appendScalarPoints(appender: DuckDBAppender, rows: PointRows): void {
  appendRows(
    appender,
    rows,
    SCALAR_TYPES,
    (r) => isScalar(rows, r),
    () => undefined,
  );
}

export function appendDistributionPoints(appender: DuckDBAppender, rows: PointRows): void {
  appendRows(
    appender,
    rows,
    DISTRIBUTION_TYPES,
    (r) => !isScalar(rows, r),
    (v, i, r) => {
      v[6].setItem(i, orNull(rows.count[r]));
      v[7].setItem(i, orNull(rows.min[r]));
      v[8].setItem(i, orNull(rows.max[r]));
      const b = rows.buckets[r];
      v[9].setItem(i, b ? listValue(b as number[]) : null);
    },
  );
}
