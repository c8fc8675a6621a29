// Remote-write ingest (`POST /api/v1/write`) on its own, without the Prometheus beside it that
// bench/promql.ts starts (that suite compares with Prometheus; this one shows where the time goes):
// 1. Decoding one request (1,000 series x 60 samples: one minute of a 1 s scrape) from its
//    uncompressed protobuf: the server's direct reader beside protobufjs decode + toObject (what
//    the server used before), side by side in one tinybench run; snappy decompression of the same
//    body for scale.
// 2. Ingest end to end: the same shape of requests for `seconds` seconds posted one after another
//    to an in-process server (snappy, protobuf, series index, one DuckDB transaction each): samples/s.
// Run: npm run bench -- remote-write   (--quick: 100 series, 5 minutes, short timings)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { decodeWithProtobufjs, snappyCompress } from "../src/server/remote-write/remote-write-proto.ts";
import { readWriteRequest } from "../src/server/remote-write/write-request-reader.ts";
import { startServer } from "../src/server/server.ts";
import { counterRequest } from "./fixtures/request-counters.ts";
import { measure, printTable, writeResult, type SuiteContext } from "./harness.ts";

const snappy = createRequire(import.meta.url)("snappyjs") as { uncompress(b: Uint8Array): Uint8Array };

/** One request: `seconds` samples of every series, from `from` (the shape bench/promql.ts sends). */
const request = (base: number, routes: number, instances: number, from: number, seconds: number): Uint8Array =>
  counterRequest(base, routes, instances, from, from + seconds);

export default async function run(ctx: SuiteContext): Promise<void> {
  const routes = ctx.quick ? 10 : 50,
    instances = ctx.quick ? 10 : 20,
    seconds = ctx.quick ? 300 : 1800;
  const series = routes * instances;
  const base = Math.floor((Date.now() - seconds * 1000 - 60_000) / 60_000) * 60_000;

  const raw = request(base, routes, instances, 0, 60);
  const compressed = snappyCompress(raw);
  const perRequest = series * 60;
  const rows = await measure(
    [
      { name: "direct reader", ops: perRequest, fn: () => void readWriteRequest(raw) },
      { name: "protobufjs decode + toObject", ops: perRequest, fn: () => void decodeWithProtobufjs(raw) },
      { name: "snappy uncompress (same body)", ops: perRequest, fn: () => void snappy.uncompress(compressed) },
    ],
    "direct reader",
    ctx,
  );
  printTable(`Remote-write decode, one request of ${series} series x 60 samples (${raw.length.toLocaleString("en")} bytes), ns per sample`, rows, "direct reader");

  const bodies: Uint8Array[] = [];
  for (let from = 0; from < seconds; from += 60) bodies.push(snappyCompress(request(base, routes, instances, from, 60)));
  const dir = mkdtempSync(join(tmpdir(), "bench-remote-write-"));
  const server = await startServer({ store: join(dir, "bench.duckdb"), port: 0, log: () => undefined });
  try {
    const started = performance.now();
    for (const body of bodies) {
      const res = await fetch(`${server.url}/api/v1/write`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
        body: body as Uint8Array<ArrayBuffer>,
      });
      if (res.status !== 204) throw new Error(`remote write: ${res.status} ${await res.text()}`);
    }
    const ms = performance.now() - started;
    const samples = series * seconds;
    const perSecond = Math.round(samples / (ms / 1000));
    console.log(`\n## Remote-write ingest: ${bodies.length} requests of ${perRequest.toLocaleString("en")} samples, posted one after another\n`);
    console.log("| samples | ms | samples/s |");
    console.log("|---:|---:|---:|");
    console.log(`| ${samples.toLocaleString("en")} | ${ms.toFixed(0)} | ${perSecond.toLocaleString("en")} |`);
    writeResult("remote-write", ctx, { series, seconds, samples, ingestMs: ms, samplesPerSecond: perSecond, decode: rows });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
