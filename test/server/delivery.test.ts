// Delivery: nothing lost, nothing doubled. Every test runs the real server process on a real
// DuckDB file and checks totals in the store itself.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Collector } from "../../src/runtime/collector.ts";
import { exited, startWorker } from "../helpers/workers.ts";
import { batch, exportBatch } from "./helpers/batches.ts";
import { freePort, scalar, startServerProcess, tempStore, waitFor, type ServerProcess } from "./helpers/server-process.ts";

const running = new Set<ServerProcess>();
const stores: string[] = [];
async function start(store: string, port?: number): Promise<ServerProcess> {
  const s = await startServerProcess({ store, port });
  running.add(s);
  void s.proc.once("exit", () => running.delete(s));
  return s;
}
afterAll(async () => {
  for (const s of running) await s.stop("SIGKILL");
  for (const s of stores) rmSync(dirname(s), { recursive: true, force: true });
});
const store = (name: string) => {
  const s = tempStore(name);
  stores.push(s);
  return s;
};

const REQUESTS = (stream: string) =>
  `SELECT coalesce(sum(value), 0) FROM metric_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${stream}' AND metric = 'http.server.requests'`;

/** Runs two incrementing workers; `during` runs alongside and can ask whether they have finished. */
async function runWorkers(total: number, chunks: number, pauseMs: number, during?: (finished: () => boolean) => Promise<void>): Promise<void> {
  const workers = [1, 2].map((workerId) => startWorker(new URL("./fixtures/inc-worker.ts", import.meta.url), { total, chunks, pauseMs, workerId }));
  let finished = false;
  const done = Promise.all(workers.map(exited)).then(() => (finished = true));
  await Promise.all([done, during?.(() => finished)]);
}

describe("delivery", () => {
  it("1. 2 workers x 1M increments at a 10 ms cadence: the store holds exactly the increments", async () => {
    const server = await start(store("exact"));
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 30_000 });
    const collector = new Collector({ cadenceMs: 10, exporters: [exporter] }).start();
    await runWorkers(1_000_000, 100, 3);
    await collector.shutdown();
    expect(exporter.pending).toBe(0);
    expect(await scalar(server.url, REQUESTS(collector.stream))).toBe(2_000_000);
    const batches = await scalar(server.url, `SELECT count(*) FROM batches b JOIN streams s ON s.id = b.stream_id WHERE s.key = '${collector.stream}'`);
    expect(batches).toBeGreaterThan(10);
    // Each sequence stored once.
    expect(await scalar(server.url, `SELECT count(*) - count(DISTINCT (stream_id, seq)) FROM batches`)).toBe(0);
  }, 90_000);

  it("2. SIGKILL and restart three times mid-stream: totals exact, no duplicates", async () => {
    const file = store("sigkill");
    let server = await start(file);
    const port = server.port;
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 60_000, backoffMs: { initial: 20, max: 300 } });
    const collector = new Collector({ cadenceMs: 10, exporters: [exporter] }).start();
    const kills = async (finished: () => boolean) => {
      let before = 0;
      for (let k = 0; k < 3; k++) {
        // Mid-stream: kill once this server has stored a few more batches than the last one had
        // (or, on a slow machine, once the workers are done and only resends are left).
        await waitFor(async () => finished() || (await scalar(server.url, "SELECT count(*) FROM batches")) >= before + 5, `batches stored before kill ${k + 1}`, 60_000);
        before = await scalar(server.url, "SELECT count(*) FROM batches");
        await server.stop("SIGKILL");
        server = await start(file, port);
      }
    };
    await runWorkers(1_000_000, 300, 5, kills);
    await collector.shutdown();
    expect(exporter.pending).toBe(0);
    expect(await scalar(server.url, REQUESTS(collector.stream))).toBe(2_000_000);
    expect(await scalar(server.url, `SELECT count(*) - count(DISTINCT (stream_id, seq)) FROM batches`)).toBe(0);
    const seqs = await scalar(server.url, `SELECT count(*) FROM batches b JOIN streams s ON s.id = b.stream_id WHERE s.key = '${collector.stream}'`);
    expect(seqs).toBeGreaterThan(20);
  }, 120_000);

  it("3. the exporter starts before the server exists: it buffers, then delivers", async () => {
    const port = await freePort();
    for (const transport of ["ws", "http"] as const) {
      let failedAttempts = 0;
      const debug = (line: string) => /websocket closed|POST failed/.test(line) && failedAttempts++;
      const exporter = new ServerExporter({ url: `http://127.0.0.1:${port}`, transport, timeoutMs: 30_000, backoffMs: { initial: 20, max: 200 }, debug });
      const stream = `early-${transport}`;
      for (let seq = 1; seq <= 20; seq++) exporter.export(exportBatch(batch(stream, seq, seq)));
      // It has tried (and failed) to deliver twice, and still holds everything.
      await waitFor(() => failedAttempts >= 2, "two failed delivery attempts");
      expect(exporter.pending).toBe(20);
      const server = await start(store(`early-${transport}`), port);
      await exporter.shutdown();
      expect(exporter.pending).toBe(0);
      expect(await scalar(server.url, `SELECT sum(value) FROM metric_points WHERE metric = 'job.items'`)).toBe(2 * 210);
      expect(exporter.stored).toBe(20 * 3);
      await server.stop();
    }
  }, 60_000);

  it("4. 200 concurrent short-lived HTTP clients and 20 WebSocket streams at once: all stored exactly", async () => {
    const server = await start(store("concurrent"));
    const http = Array.from({ length: 200 }, async (_, c) => {
      const e = new ServerExporter({ url: server.url, transport: "http", timeoutMs: 60_000 });
      for (let seq = 1; seq <= 3; seq++) e.export(exportBatch(batch(`http-${c}`, seq, 1)));
      await e.shutdown();
      return e.pending;
    });
    const ws = Array.from({ length: 20 }, async (_, c) => {
      const e = new ServerExporter({ url: server.url, transport: "ws", timeoutMs: 60_000 });
      for (let seq = 1; seq <= 50; seq++) {
        e.export(exportBatch(batch(`ws-${c}`, seq, 2)));
        if (seq % 10 === 0) await new Promise((r) => setImmediate(r));
      }
      await e.shutdown();
      return e.pending;
    });
    const pending = await Promise.all([...http, ...ws]);
    expect(pending.every((p) => p === 0)).toBe(true);
    // items per batch: `items` on two series; http: 200 x 3 x 1, ws: 20 x 50 x 2
    expect(await scalar(server.url, `SELECT sum(value) FROM metric_points WHERE metric = 'job.items'`)).toBe(2 * (200 * 3 + 20 * 50 * 2));
    expect(await scalar(server.url, `SELECT count(*) FROM batches`)).toBe(200 * 3 + 20 * 50);
    expect(await scalar(server.url, `SELECT count(*) FROM streams WHERE kind = 'batch'`)).toBe(220);
  }, 90_000);

  it("5. SIGTERM: pending appends are stored, the file is closed cleanly, nothing acknowledged is lost", async () => {
    const file = store("sigterm");
    const server = await start(file);
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 2000, backoffMs: { initial: 50, max: 100 } });
    let acked = 0;
    const stream = "term";
    for (let seq = 1; seq <= 2000; seq++) exporter.export(exportBatch(batch(stream, seq, 1)));
    // Stop while batches are in flight: some acknowledged, others not yet.
    await waitFor(() => exporter.stored > 0, "the first acknowledgement");
    expect(exporter.pending).toBeGreaterThan(0);
    const code = await server.stop("SIGTERM");
    acked = exporter.stored;
    expect(code).toBe(0);
    expect(server.output()).toMatch(/stopped/);
    // The file reopens (no lock left behind) with everything acknowledged in it.
    const again = await start(file);
    const stored = await scalar(again.url, `SELECT stored FROM streams WHERE key = '${stream}'`);
    expect(stored).toBeGreaterThanOrEqual(acked);
    expect(await scalar(again.url, `SELECT count(*) FROM all_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${stream}'`)).toBe(stored);
    // The exporter resends the rest to the restarted server: in the end all 2000 batches, once each.
    const resumed = new ServerExporter({ url: again.url, timeoutMs: 30_000 });
    for (let seq = 1; seq <= 2000; seq++) resumed.export(exportBatch(batch(stream, seq, 1)));
    await resumed.shutdown();
    await exporter.shutdown();
    expect(await scalar(again.url, `SELECT count(*) FROM batches b JOIN streams s ON s.id = b.stream_id WHERE s.key = '${stream}'`)).toBe(2000);
    expect(await scalar(again.url, `SELECT sum(value) FROM metric_points WHERE metric = 'job.items'`)).toBe(2 * 2000);
  }, 60_000);
});
