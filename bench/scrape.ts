// Scrape cost: rendering the Prometheus exposition of 100,000 series (10,000 instances x 10
// measurement slots of one counter, plus a histogram per instance), for the SDK's endpoint
// (PrometheusState, labels rendered once) and the server's /metrics (merged from the cumulative
// state at every scrape). Run: npm run bench -- scrape
import { PrometheusState } from "../src/export/prometheus-state.ts";
import { renderExposition } from "../src/exposition/prometheus-text.ts";
import { Cumulative } from "../src/server/query/cumulative.ts";
import { renderPrometheus } from "../src/server/query/prometheus.ts";
import { setState, type StreamState } from "../src/server/ingest/stream-state.ts";
import type { Batch, SeriesDecl, SeriesPoints, WireSetDescriptor } from "../src/wire/batch.ts";
import { measure, printTable, writeResult, type SuiteContext } from "./harness.ts";

const INSTANCES = 10_000;
const SLOTS = 10;

const SET: WireSetDescriptor = {
  name: "bench.api",
  brief: "",
  schemaHash: "bench",
  attributes: [
    { name: "route", type: "string", brief: "" },
    { name: "worker_id", type: "int", brief: "" },
  ],
  measures: [{ name: "status", brief: "", values: Array.from({ length: SLOTS }, (_, i) => `s${i}`) }],
  fields: [
    { name: "bench.api.requests", instrument: "counter", unit: "{request}", brief: "Requests", valueType: "int" },
    { name: "bench.api.duration", instrument: "histogram", unit: "ms", brief: "Latency", valueType: "double", bounds: [1, 5, 10, 50, 100] },
  ],
};

export function batch(): Batch {
  const series: SeriesDecl[] = [];
  const points: SeriesPoints[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    series.push([i, 0, [`/route/${i % 500}/"x"`, i]]);
    const row: (number | number[])[] = [i];
    for (let s = 0; s < SLOTS; s++) row.push(s * 2, i + s);
    row.push(1, [12.5, 1, 2, 0, 0, 0, 1]);
    points.push(row);
  }
  return {
    v: 1,
    stream: "bench",
    seq: 1,
    start: 0,
    end: 1,
    open: { resource: { "service.name": "bench" }, schemaHash: "bench", sdk: { name: "bench", version: "0" }, view: "aggregate" },
    sets: [SET],
    series,
    points,
  };
}

export function serverState(b: Batch): Cumulative {
  const stream: StreamState = {
    id: 1,
    key: "bench",
    kind: "batch",
    open: b.open,
    sets: [setState(0, SET)],
    series: new Map(b.series!.map(([id, set, attrs]) => [id, { id, set, attrs }])),
    lastStored: 1,
    lastAccepted: 1,
    stored: 0,
    storedAccepted: 0,
  };
  const c = new Cumulative();
  c.addStream(stream);
  c.load(
    b.points.flatMap((row) => {
      const out = [];
      for (let k = 1; k < row.length; k += 2) {
        const key = row[k] as number;
        const v = row[k + 1];
        const slot = Math.floor(key / 2),
          field = key % 2;
        out.push(
          typeof v === "number"
            ? { stream: 1, series: row[0] as number, slot, field, value: v, count: 0, buckets: null, time: 1 }
            : { stream: 1, series: row[0] as number, slot, field, value: v[0], count: 4, buckets: v.slice(1), time: 1 },
        );
      }
      return out;
    }),
  );
  return c;
}

export default async function scrape(ctx: SuiteContext): Promise<void> {
  const b = batch();
  const state = new PrometheusState();
  const t0 = performance.now();
  state.apply(b);
  const applyMs = performance.now() - t0;
  const families = () => state.snapshot();
  const server = serverState(b);
  // The server's first scrape places every entry (names, labels, merges); later ones only add up and render.
  const t1 = performance.now();
  renderPrometheus(server, "text");
  const serverFirstMs = performance.now() - t1;
  const text = renderExposition(families(), "text");
  const series = state.size;
  console.log(
    `\n${series} series (${INSTANCES} instances x ${SLOTS} slots counter + ${INSTANCES} histograms), exposition ${(text.length / 1e6).toFixed(1)} MB; folding the batch in: ${applyMs.toFixed(0)} ms (SDK); server's first scrape: ${serverFirstMs.toFixed(0)} ms`,
  );
  const rows = await measure(
    [
      { name: "SDK endpoint, text 0.0.4", ops: 1, fn: () => void renderExposition(families(), "text") },
      { name: "SDK endpoint, OpenMetrics", ops: 1, fn: () => void renderExposition(families(), "openmetrics") },
      { name: "server /metrics, text 0.0.4", ops: 1, fn: () => void renderPrometheus(server, "text") },
    ],
    "SDK endpoint, text 0.0.4",
    ctx,
  );
  printTable(`Scrape of ${series} series (ns per scrape)`, rows, "SDK endpoint, text 0.0.4");
  const ms = Object.fromEntries(rows.map((r) => [r.name, +(r.nsPerOp / 1e6).toFixed(1)]));
  console.log(
    "\n" +
      Object.entries(ms)
        .map(([k, v]) => `- ${k}: ${v} ms per scrape (target: well under 100 ms for the SDK endpoint)`)
        .join("\n"),
  );
  writeResult("scrape", ctx, { series, bytes: text.length, applyMs, serverFirstMs, msPerScrape: ms, rows });
}

if (import.meta.url === `file://${process.argv[1]}`) await scrape({ quick: process.argv.includes("--quick") });
