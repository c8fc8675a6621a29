// The series_totals view (issue 8): the current value or total of each series, right for every
// instrument, against totals computed here from the batches sent. Also a measurement-attribute
// filter written the way docs/reading-back.md tells (`->>` in parentheses).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch, WireSetDescriptor } from "../../src/wire/batch.ts";
import { post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

const SET: WireSetDescriptor = {
  name: "shop",
  brief: "",
  schemaHash: "totals",
  attributes: [{ name: "shop.region", type: "string", brief: "" }],
  measures: [{ name: "queue", brief: "", values: ["fast", "slow"] }],
  fields: [
    { name: "shop.sold", instrument: "counter", unit: "{item}", brief: "", valueType: "int" },
    { name: "shop.open", instrument: "upDownCounter", unit: "{order}", brief: "", valueType: "int" },
    { name: "shop.temp", instrument: "gauge", unit: "Cel", brief: "", valueType: "double" },
    { name: "shop.latency", instrument: "histogram", unit: "ms", brief: "", valueType: "double", bounds: [1, 10] },
    { name: "shop.wait", instrument: "mmsc", unit: "ms", brief: "", valueType: "double" },
  ],
};
const FIELDS = SET.fields.length;
const key = (slot: number, field: number) => slot * FIELDS + field;

// Per interval, for series 0 in slot 0 ("fast"): counter delta, upDownCounter cumulative,
// gauge last, histogram [sum, b0, b1, b2], mmsc [count, sum, min, max].
const intervals = [
  { sold: 5, open: 3, temp: 20.5, latency: [12, 2, 1, 0], wait: [2, 7, 3, 4] },
  { sold: 7, open: 8, temp: 18, latency: [30, 0, 1, 1], wait: [1, 9, 9, 9] },
  { sold: 1, open: 2, temp: 19.25, latency: [0.5, 1, 0, 0], wait: [3, 6, 1, 3] },
];

function batchOf(seq: number): Batch {
  const i = intervals[seq - 1];
  const end = 1_700_000_000_000 + seq * 1000;
  return {
    v: 1,
    stream: "shop-1",
    seq,
    start: end - 1000,
    end,
    ...(seq === 1
      ? {
          open: { resource: { "service.name": "shop" }, schemaHash: "totals", sdk: { name: "percore", version: "test" }, view: "aggregate" as const },
          sets: [SET],
          series: [[0, 0, ["eu"]]] as const,
        }
      : {}),
    points: [[0, key(0, 0), i.sold, key(0, 1), i.open, key(0, 2), i.temp, key(0, 3), i.latency, key(0, 4), i.wait, key(1, 0), 100 * seq]],
  };
}

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("totals") });
  for (let seq = 1; seq <= intervals.length; seq++) expect((await post(server.url, batchOf(seq))).status).toBe(200);
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

const total = (metric: string, columns: string, queue = "fast") =>
  query(server.url, `SELECT ${columns} FROM series_totals WHERE metric = '${metric}' AND (measure_attributes->>'queue') = '${queue}'`);

describe("series_totals", () => {
  it("counter: the sum of its deltas", async () => {
    expect(await total("shop.sold", "value, instrument, points")).toEqual([[5 + 7 + 1, "counter", 3]]);
    expect(await total("shop.sold", "value", "slow")).toEqual([[100 + 200 + 300]]);
  });

  it("upDownCounter: its latest cumulative value, not a sum", async () => {
    expect(await total("shop.open", "value")).toEqual([[2]]);
  });

  it("gauge: its last value", async () => {
    expect(await total("shop.temp", "value")).toEqual([[19.25]]);
  });

  it("histogram: count, sum, mean and bucket totals", async () => {
    const [[value, count, mean, buckets, bounds]] = await total("shop.latency", "value, count, mean, buckets, bounds");
    expect({ value, count, mean, buckets, bounds }).toEqual({ value: 42.5, count: 6, mean: 42.5 / 6, buckets: [3, 2, 1], bounds: [1, 10] });
  });

  it("mmsc: count, sum, min of the mins, max of the maxes", async () => {
    expect(await total("shop.wait", "count, value, min, max, mean")).toEqual([[6, 22, 1, 9, 22 / 6]]);
  });

  it("names each series by its attributes; ->> after AND needs the parentheses the docs show", async () => {
    expect(await query(server.url, "SELECT attributes->>'shop.region', count(*) FROM series_totals GROUP BY ALL")).toEqual([["eu", 6]]);
    const filtered = "SELECT count(*) FROM series_totals WHERE metric = 'shop.sold' AND (measure_attributes->>'queue') IN ('fast', 'slow')";
    expect(await query(server.url, filtered)).toEqual([[2]]);
    // Without them DuckDB reads `(metric = 'shop.sold' AND measure_attributes) ->> ...`.
    await expect(query(server.url, filtered.replace("(measure_attributes->>'queue')", "measure_attributes->>'queue'"))).rejects.toThrow(/E_BAD_QUERY/);
  });
});
