// The recording path and the sinks, in process and with a real worker: wrong types from untyped
// callers are dropped and counted, strings are cut to maxLength and marked, a level change from
// the main thread reaches a running worker, and each sink gets what it should.
import { createServer, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { ConsoleEventSink, EventSink, filterEvents, type DecodedEvent } from "../../src/export/event-sink.ts";
import { NdjsonEventSink } from "../../src/export/ndjson-event-sink.ts";
import { OtlpLogsExporter } from "../../src/export/otlp-logs-exporter.ts";
import { TotalsExporter } from "../helpers/totals.ts";
import { exited, startWorker, waitForFlag } from "../helpers/workers.ts";
import { query, serverPool, waitFor } from "../server/helpers/server-process.ts";
import { Config, Jobs } from "./fixtures/events/telemetry.generated.ts";

const pool = serverPool();
afterAll(pool.cleanup);

class CaptureSink extends EventSink {
  readonly events: DecodedEvent[] = [];
  emit(events: readonly DecodedEvent[]): void {
    this.events.push(...events);
  }
}

const invalidCount = (totals: TotalsExporter, name: string) => totals.total("percore.sdk.events.invalid", { "event.name": name }, {});

describe("recording", () => {
  it("untyped callers: wrong field types are dropped and counted per event, never stored", async () => {
    const sink = new CaptureSink();
    const totals = new TotalsExporter();
    const collector = new Collector({ exporters: [sink, totals] });
    const jobs = new Jobs({ workerId: 11 }) as unknown as Record<string, (...args: unknown[]) => void>;
    jobs.started!(1, "ok");
    jobs.started!("1", "not a number id");
    jobs.started!(1.5, "not an integer");
    jobs.started!(2, 42);
    jobs.failed!(3, "bogus", true, "unknown enum value");
    jobs.failed!(4, "oom", "yes", "not a boolean");
    jobs.failed!(5, "oom", false, "fine");
    jobs.finished!(6, Number.NaN);
    await collector.shutdown();
    expect(sink.events.map((e) => [e.eventName, e.fields.job_id])).toEqual([
      ["job.started", 1],
      ["job.failed", 5],
    ]);
    expect(invalidCount(totals, "job.started")).toBe(3);
    expect(invalidCount(totals, "job.failed")).toBe(2);
    expect(invalidCount(totals, "job.finished")).toBe(1);
  });

  it("strings longer than maxLength are cut at a character boundary and marked truncated", async () => {
    const sink = new CaptureSink();
    const collector = new Collector({ exporters: [sink] });
    const jobs = new Jobs({ workerId: 12 });
    jobs.started(1, "x".repeat(64));
    jobs.started(2, "y".repeat(65));
    jobs.started(3, "é".repeat(40)); // 80 bytes: 32 characters fit in 64
    jobs.started(4, "ab€"); // non-ASCII after ASCII, fits
    await collector.shutdown();
    expect(sink.events.map((e) => [e.fields.queue, e.truncated ?? null])).toEqual([
      ["x".repeat(64), null],
      ["y".repeat(64), ["queue"]],
      ["é".repeat(32), ["queue"]],
      ["ab€", null],
    ]);
  });

  it("strings of every length up to 9 and non-ASCII inside a 4-character group keep their bytes and order", async () => {
    // ring.str copies ASCII four characters per 32-bit store, then byte by byte: every remainder,
    // and a non-ASCII character at each position of a group, go through both loops.
    const sink = new CaptureSink();
    const collector = new Collector({ exporters: [sink] });
    const jobs = new Jobs({ workerId: 14 });
    const queues = [...Array.from({ length: 10 }, (_, n) => "abcdefghi".slice(0, n)), "abcdé", "abcdeé", "abcdefé", "abcdefgé", "ab€cdefgh", "0123456789abcdef-queue"];
    queues.forEach((q, i) => jobs.started(i, q));
    await collector.shutdown();
    expect(sink.events.map((e) => [e.fields.queue, e.truncated ?? null])).toEqual(queues.map((q) => [q, null]));
  });

  it('eventClock "ticker": emits take a ticking clock word; shutdown gives them Date.now() back', async () => {
    const sink = new CaptureSink();
    const collector = new Collector({ exporters: [sink], eventClock: "ticker" });
    const jobs = new Jobs({ workerId: 13 });
    const clock = (jobs as unknown as { ring: { f64: Float64Array } }).ring.f64;
    // RING_CLOCK (element 3) is set at once and then advanced by the ticker thread.
    await waitFor(() => clock[3]! > 0, "the ticker to write the clock word");
    const first = clock[3]!;
    await waitFor(() => clock[3]! > first, "the clock word to advance");
    const t0 = Date.now();
    jobs.started(1, "ticker");
    await collector.shutdown();
    expect(clock[3]).toBe(0);
    const t = sink.events[0]!.eventTime;
    // The tick before the emit: not after it, and not far behind (generous: the machine is busy).
    expect(t).toBeLessThanOrEqual(t0);
    expect(t).toBeGreaterThan(t0 - 5_000);
  });

  it('eventClock "auto" (the default): Date.now() at a low rate, the ticker while the process emits 600,000 events/s or more, Date.now() again after', async () => {
    const collector = new Collector({ cadenceMs: 5 }).start();
    const jobs = new Jobs({ workerId: 15 });
    const clock = (jobs as unknown as { ring: { f64: Float64Array } }).ring.f64;
    const yieldNow = () => new Promise((r) => setImmediate(r));
    // A low rate over several of the clock's 100 ms windows: no ticker.
    const lowUntil = Date.now() + 350;
    while (Date.now() < lowUntil) {
      jobs.started(1, "slow");
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(clock[3]).toBe(0);
    // Bursts far above the threshold (the ring is drained every 5 ms): the ticker starts.
    let hot = true;
    const burst = (async () => {
      while (hot) {
        for (let i = 0; i < 5000; i++) jobs.started(i, "fast");
        await yieldNow();
      }
    })();
    await waitFor(() => clock[3]! > 0, "the ticker to start under load");
    hot = false;
    await burst;
    // The rate falls to zero: the ticker parks and zeroes the word.
    await waitFor(() => clock[3] === 0, "the ticker to park when the load stops");
    await collector.shutdown();
  });

  it("collector.setLevel from the main thread reaches a running worker; debug is off by default", async () => {
    const sink = new CaptureSink();
    const collector = new Collector({ cadenceMs: 10, exporters: [sink] }).start();
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const worker = startWorker(new URL("./fixtures/events/level-worker.ts", import.meta.url), { flags });
    const names = () => new Set(sink.events.map((e) => e.eventName));
    await waitFor(() => names().has("job.finished"), "info events from the worker");
    expect(names().has("job.progress")).toBe(false);
    collector.setLevel("job", "debug");
    await waitFor(() => names().has("job.progress"), "debug events after setLevel");
    collector.setLevel("job", "warn");
    // After the next drain nothing at info or below arrives any more.
    const loops = Atomics.load(flags, 1);
    await waitForFlag(flags, 1, loops);
    await collector.flush();
    const seen = sink.events.length;
    const later = Atomics.load(flags, 1);
    await waitFor(() => Atomics.load(flags, 1) > later + 5, "the worker to loop on");
    await collector.flush();
    expect(sink.events.length).toBe(seen);
    Atomics.store(flags, 0, 1);
    await exited(worker);
    // Levels live in the rings, which outlive a collector: give the next tests the default back.
    collector.setLevel("job", "info");
    await collector.shutdown();
  });
});

describe("sinks", () => {
  const emitSome = async (sinks: EventSink[]): Promise<Collector> => {
    const collector = new Collector({ exporters: sinks, resource: { "service.name": "sinks-test" } });
    const jobs = new Jobs({ workerId: 3 });
    jobs.started(1, "emails");
    jobs.failed(2, "timeout", true, "took too long");
    new Config().reloaded();
    await collector.shutdown();
    return collector;
  };

  it("console: one line per event; filter: by name, severity and fields", async () => {
    let text = "";
    const errors = new CaptureSink();
    await emitSome([new ConsoleEventSink({ write: (t: string) => (text += t) }), filterEvents((e) => e.severityNumber >= 13 && e.fields.retryable !== false, errors)]);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}job\.started \{"job_id":1,"queue":"emails"\} worker_id=3$/);
    expect(lines[2]).toMatch(/ WARN {2}config\.reloaded \{\}$/);
    expect(errors.events.map((e) => e.eventName)).toEqual(["job.failed", "config.reloaded"]);
  });

  it("NDJSON intake: the server's /v1/events stores the four-field lines with their event_id", async () => {
    const server = await pool.start("ndjson-sink");
    const sink = new NdjsonEventSink({ url: `${server.url}/v1/events` });
    const collector = await emitSome([sink]);
    expect(sink.sent).toBe(3);
    const rows = await query(server.url, "SELECT event_id, event_type, event_name, payload FROM events ORDER BY event_id");
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2].map((i) => `${collector.stream}:1:${i}`));
    expect(rows.map((r) => r[2])).toEqual(["job.started", "job.failed", "config.reloaded"]);
    const failed = JSON.parse(String(rows[1]![3]));
    expect(failed).toMatchObject({ event_type: "log", severity_text: "ERROR", worker_id: 3, job_id: 2, reason: "timeout", retryable: true, message: "took too long" });
    expect(failed.event_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("OTLP logs (protobuf, gzip, and JSON): LogRecords with event_name, severity, attributes and the message as body", async () => {
    const bodies: { type: string; body: Buffer }[] = [];
    const http = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        bodies.push({ type: String(req.headers["content-type"]), body: req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw });
        res.writeHead(200, { "content-type": String(req.headers["content-type"]) }).end();
      });
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/v1/logs`;
    try {
      await emitSome([new OtlpLogsExporter({ url, compression: "gzip" }), new OtlpLogsExporter({ url, protocol: "http/json" })]);
      const json = bodies.find((b) => b.type === "application/json")!;
      const records = JSON.parse(json.body.toString()).resourceLogs[0].scopeLogs[0].logRecords;
      expect(records.map((r: { eventName: string }) => r.eventName)).toEqual(["job.started", "job.failed", "config.reloaded"]);
      const failed = records[1];
      expect(failed).toMatchObject({ severityNumber: 17, severityText: "ERROR", body: { stringValue: "took too long" } });
      const attrs = Object.fromEntries(failed.attributes.map((a: { key: string; value: Record<string, unknown> }) => [a.key, Object.values(a.value)[0]]));
      expect(attrs).toMatchObject({ worker_id: 3, job_id: 2, reason: "timeout", retryable: true, "event.type": "log" });
      expect(attrs.message).toBeUndefined();
      // The protobuf request, decoded with the OTLP message classes the server uses.
      const proto = bodies.find((b) => b.type === "application/x-protobuf")!;
      const root = createRequire(import.meta.url)("otlp-proto-messages/build/src/generated/root.js");
      const req = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.decode(proto.body);
      const pr = req.resourceLogs[0].scopeLogs[0].logRecords;
      expect(pr.map((r: { severityText: string }) => r.severityText)).toEqual(["INFO", "ERROR", "WARN"]);
      expect(pr[1].body.stringValue).toBe("took too long");
      expect(req.resourceLogs[0].resource.attributes.find((a: { key: string }) => a.key === "service.name").value.stringValue).toBe("sinks-test");
      // event_name is newer than those classes: it is in the bytes.
      expect(proto.body.includes(Buffer.from("job.failed"))).toBe(true);
    } finally {
      http.close();
    }
  });
});
