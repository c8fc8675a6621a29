// Schema events from real workers through the collector and the server exporter into a real
// server's events table (DuckDB), checked by SQL: exactly once, per-worker order, loss counted,
// stuck and exited workers drained, server SIGKILL mid-stream.
//
// Size: 4 workers x 1,000,000 events, as issue 11 asks, in the default project (the worker waits
// at a gate while the exporter holds many batches, so the exporter's bounded buffer does not
// overflow while the server catches up). The collector-thread project runs the same file with the
// collector on its own thread; there it is 4 x 100,000 (the path is the same, and the suite's time
// stays reasonable on 2 cores). PERCORE_EVENTS_FULL=1 runs the full size there too.
import { afterAll, describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { exited, startWorker } from "../helpers/workers.ts";
import { query, scalar, serverPool, tempStore, waitFor } from "../server/helpers/server-process.ts";

const pool = serverPool();
afterAll(pool.cleanup);

const PER_WORKER = process.env.PERCORE_COLLECTOR_THREAD === "1" && process.env.PERCORE_EVENTS_FULL !== "1" ? 100_000 : 1_000_000;
const EMIT = new URL("./fixtures/events/emit-worker.ts", import.meta.url);

/** Events of stream `stream` whose job_id does not follow the previous one of its worker, in (batch seq, index) order. */
const OUT_OF_ORDER = (stream: string) => `
  SELECT count(*) FROM (
    SELECT j, lag(j) OVER (PARTITION BY w ORDER BY bseq, idx) AS prev FROM (
      SELECT CAST(json_extract(attributes, '$.worker_id') AS INTEGER) AS w, CAST(json_extract(payload, '$.job_id') AS BIGINT) AS j,
        CAST(split_part(event_id, ':', 2) AS BIGINT) AS bseq, CAST(split_part(event_id, ':', 3) AS BIGINT) AS idx
      FROM events e JOIN streams s ON s.id = e.stream_id WHERE s.key = '${stream}'))
  WHERE prev IS NOT NULL AND j <> prev + 1`;
const COUNT = (stream: string) => `SELECT count(*) FROM events e JOIN streams s ON s.id = e.stream_id WHERE s.key = '${stream}'`;
const DISTINCT = (stream: string) =>
  `SELECT count(DISTINCT (json_extract(attributes, '$.worker_id'), json_extract(payload, '$.job_id'))) FROM events e JOIN streams s ON s.id = e.stream_id WHERE s.key = '${stream}'`;
const SDK_EVENTS = (stream: string, metric: string) =>
  `SELECT coalesce(sum(value), 0) FROM metric_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${stream}' AND metric = '${metric}'`;

/** Opens `gate[0]` while the exporter holds few batches (a test's backpressure; the SDK has none by design). */
function gateOn(exporter: ServerExporter): { gate: Int32Array; stop(): void } {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  gate[0] = 1;
  const timer = setInterval(() => {
    Atomics.store(gate, 0, exporter.pending < 8 ? 1 : 0);
    Atomics.notify(gate, 0);
  }, 5);
  return { gate, stop: () => clearInterval(timer) };
}

describe("schema events into the server", () => {
  it(`4 workers x ${PER_WORKER} events over 4 kinds at a 1 ms cadence: each stored exactly once, in each worker's order`, async () => {
    const server = await pool.start("events-exact");
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 120_000, debug: (line) => void (/dropped/.test(line) && console.error(line)) });
    const collector = new Collector({ cadenceMs: 1, exporters: [exporter] }).start();
    const g = gateOn(exporter);
    const workers = [0, 1, 2, 3].map((workerId) => startWorker(EMIT, { count: PER_WORKER, workerId, gate: g.gate }));
    await Promise.all(workers.map(exited));
    g.stop();
    await collector.shutdown();
    expect(exporter.dropped).toBe(0);
    const stream = collector.stream;
    expect(await scalar(server.url, COUNT(stream))).toBe(4 * PER_WORKER);
    expect(await scalar(server.url, DISTINCT(stream))).toBe(4 * PER_WORKER);
    expect(await scalar(server.url, OUT_OF_ORDER(stream))).toBe(0);
    expect(await scalar(server.url, SDK_EVENTS(stream, "percore.sdk.events.dropped"))).toBe(0);
    // Names, severities, types, fields and entity attributes as declared.
    const rows = await query(server.url, `SELECT event_name, severity_number, severity_text, event_type, count(*) FROM events GROUP BY ALL ORDER BY event_name`);
    expect(rows).toEqual([
      ["job.failed", 17, "ERROR", "log", PER_WORKER],
      ["job.finished", 9, "INFO", "behavioral", PER_WORKER],
      ["job.started", 9, "INFO", "log", 2 * PER_WORKER],
    ]);
    const [failed] = await query(
      server.url,
      `SELECT payload, attributes FROM events WHERE event_name = 'job.failed' AND json_extract(payload, '$.job_id') = 1 AND json_extract(attributes, '$.worker_id') = 2`,
    );
    expect(JSON.parse(String(failed![0]))).toEqual({ job_id: 1, reason: "oom", retryable: false, message: "disk full on /var" });
    expect(JSON.parse(String(failed![1]))).toEqual({ worker_id: 2 });
    // Each worker emits over 6 times what its default ring (16,384) holds: the drain ran alongside.
    expect(await scalar(server.url, `SELECT count(*) FROM batches`)).toBeGreaterThanOrEqual(6);
  }, 240_000);

  it("a 1,024-slot ring under a burst: emitted = stored + dropped, exactly", async () => {
    const server = await pool.start("events-burst");
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 60_000 });
    const collector = new Collector({ cadenceMs: 20, exporters: [exporter] }).start();
    const count = 200_000;
    await exited(startWorker(EMIT, { count, workerId: 1, ringSize: 1024, burst: true }));
    await collector.shutdown();
    const stream = collector.stream;
    const stored = await scalar(server.url, COUNT(stream));
    const dropped = await scalar(server.url, SDK_EVENTS(stream, "percore.sdk.events.dropped"));
    expect(dropped).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(0);
    expect(stored + dropped).toBe(count);
    // Dropped per event name: the four kinds share the count.
    const names = await query(
      server.url,
      `SELECT attributes->>'event.name', sum(value) FROM metric_points WHERE metric = 'percore.sdk.events.dropped' GROUP BY ALL ORDER BY 1`,
    );
    expect(names.map((r) => r[0])).toEqual(["job.failed", "job.finished", "job.started"]);
  }, 120_000);

  it("a worker stuck for 2 s and a worker that exits at once: their events are stored", async () => {
    const server = await pool.start("events-stuck");
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 60_000 });
    const collector = new Collector({ cadenceMs: 10, exporters: [exporter] }).start();
    const stuck = startWorker(EMIT, { count: 5_000, workerId: 1, stuckAfter: 3_000, stuckMs: 2_000 });
    const quick = startWorker(EMIT, { count: 3_000, workerId: 2 });
    await exited(quick);
    const stream = collector.stream;
    // While worker 1 is blocked in its loop, its first 3,000 events are already stored.
    await waitFor(async () => (await scalar(server.url, COUNT(stream))) >= 6_000, "the exited worker's 3,000 and the stuck worker's first 3,000 events", 30_000);
    await exited(stuck);
    await collector.shutdown();
    expect(await scalar(server.url, COUNT(stream))).toBe(8_000);
    expect(await scalar(server.url, DISTINCT(stream))).toBe(8_000);
    expect(await scalar(server.url, OUT_OF_ORDER(stream))).toBe(0);
  }, 120_000);

  it("server SIGKILL and restart three times mid-stream: nothing lost, nothing doubled", async () => {
    const file = tempStore("events-sigkill");
    let server = await pool.startOn(file);
    const port = server.port;
    const exporter = new ServerExporter({ url: server.url, timeoutMs: 60_000, backoffMs: { initial: 20, max: 300 } });
    const collector = new Collector({ cadenceMs: 5, exporters: [exporter] }).start();
    const g = gateOn(exporter);
    const perWorker = 60_000;
    // Paced to last several seconds (at least 3,000 waits of 3 ms), so the kills land mid-stream.
    const workers = [1, 2].map((workerId) => startWorker(EMIT, { count: perWorker, workerId, gate: g.gate, paceEvery: 20, paceMs: 3 }));
    let finished = false;
    const done = Promise.all(workers.map(exited)).then(() => (finished = true));
    let before = 0;
    let killedMidStream = 0;
    for (let k = 0; k < 3; k++) {
      await waitFor(async () => finished || (await scalar(server.url, "SELECT count(*) FROM batches")) >= before + 5, `batches stored before kill ${k + 1}`, 60_000);
      before = await scalar(server.url, "SELECT count(*) FROM batches");
      if (!finished) killedMidStream++;
      await server.stop("SIGKILL");
      server = await pool.startOn(file, ["--port", String(port)]);
    }
    await done;
    // At least the first kill hit a stream still emitting (the later ones may find it done on a slow machine).
    expect(killedMidStream).toBeGreaterThanOrEqual(1);
    g.stop();
    await collector.shutdown();
    expect(exporter.pending).toBe(0);
    expect(exporter.dropped).toBe(0);
    const stream = collector.stream;
    expect(await scalar(server.url, COUNT(stream))).toBe(2 * perWorker);
    expect(await scalar(server.url, DISTINCT(stream))).toBe(2 * perWorker);
    expect(await scalar(server.url, OUT_OF_ORDER(stream))).toBe(0);
  }, 180_000);
});
