// Acknowledgement latency of many ServerExporters at a short cadence (issue #9, "HTTP exporter
// lag"): `streams` exporters each export one small batch every `cadenceMs` for `seconds` into the
// real server process, over HTTP or WebSocket. Latency = from export() to the moment the batch is
// no longer pending (its ack arrived), sampled every 2 ms. Prints p50/p99/max and how many
// batches were still pending at the end. Runnable alone (not part of `npm run bench`: it takes
// `seconds` of wall time per transport):
//
//   node --conditions=source --import tsx bench/http-cadence.ts [streams=50] [seconds=10] [cadenceMs=10] [transports=http,ws]
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { exportBatchOf } from "../src/runtime/exporter.ts";
import { ServerExporter } from "../src/export/server-exporter.ts";
import type { Batch } from "../src/wire/batch.ts";
import { startServerProcess, tempStore } from "../test/server/helpers/server-process.ts";

const [streams = 50, seconds = 10, cadenceMs = 10] = process.argv.slice(2, 5).map(Number);
const transports = (process.argv[5] ?? "http,ws").split(",") as ("http" | "ws")[];
const SERIES = 10;
const FIELDS = 4;

function batch(stream: string, seq: number): Batch {
  const points = Array.from({ length: SERIES }, (_, s) => [s, ...Array.from({ length: FIELDS }, (_, f) => [f, 1 + ((seq + s + f) % 7)]).flat()]);
  return {
    v: 1,
    stream,
    seq,
    start: seq * cadenceMs,
    end: (seq + 1) * cadenceMs,
    points,
    ...(seq === 1
      ? {
          open: { resource: { "service.name": "http-cadence" }, schemaHash: "b", sdk: { name: "percore", version: "bench" }, view: "aggregate" as const },
          sets: [
            {
              name: "b",
              brief: "",
              schemaHash: "b",
              attributes: [{ name: "i", type: "int" as const, brief: "" }],
              measures: [],
              fields: Array.from({ length: FIELDS }, (_, f) => ({ name: `b.f${f}`, instrument: "counter" as const, unit: "1", brief: "", valueType: "int" as const })),
            },
          ],
          series: Array.from({ length: SERIES }, (_, s) => [s, 0, [s]] as const),
        }
      : {}),
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

async function run(url: string, transport: "http" | "ws"): Promise<void> {
  const exporters = Array.from({ length: streams }, () => new ServerExporter({ url, transport }));
  const sentAt = exporters.map(() => new Map<number, number>());
  const nextSeq = exporters.map(() => 1);
  const latencies: number[] = [];
  const tick = setInterval(() => {
    const now = performance.now();
    exporters.forEach((e, i) => {
      const seq = nextSeq[i]++;
      sentAt[i].set(seq, now);
      e.export(exportBatchOf(batch(`${transport}-${i}-${process.pid}`, seq)));
    });
  }, cadenceMs);
  const sample = setInterval(() => {
    const now = performance.now();
    exporters.forEach((e, i) => {
      const head = (e as unknown as { buffer: { entries: { seq: number }[] } }).buffer.entries[0]?.seq ?? nextSeq[i];
      for (const [seq, t] of sentAt[i]) if (seq < head) latencies.push(now - t), sentAt[i].delete(seq);
    });
  }, 2);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(tick);
  const pendingAtEnd = exporters.reduce((n, e) => n + e.pending, 0);
  await Promise.all(exporters.map((e) => e.forceFlush(30_000)));
  clearInterval(sample);
  await Promise.all(exporters.map((e) => e.shutdown()));
  latencies.sort((a, b) => a - b);
  const f = (x: number) => `${x.toFixed(0)} ms`;
  console.log(
    `| ${transport} | ${streams} | ${cadenceMs} ms | ${latencies.length} | ${f(pct(latencies, 50))} | ${f(pct(latencies, 99))} | ${f(latencies[latencies.length - 1] ?? NaN)} | ${pendingAtEnd} |`,
  );
}

const server = await startServerProcess({ store: tempStore("http-cadence") });
try {
  console.log(`| transport | streams | cadence | batches acked | p50 ack | p99 ack | max | pending at end |\n|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const t of transports) await run(server.url, t);
} finally {
  await server.stop("SIGTERM");
  rmSync(dirname(server.store), { recursive: true, force: true });
}
