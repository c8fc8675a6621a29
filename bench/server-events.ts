// Events into the telemetry server's DuckDB store, end to end: NDJSON on POST /v1/events (each
// line with the four activity-event fields, a client-chosen event_id, so every line goes through
// the duplicate check) and OTLP logs on POST /v1/logs (protobuf from the OpenTelemetry JS
// serializer), and schema events in SDK batches (msgpack on POST /v1/batches, one stream per
// client, exactly-once by batch sequence: the path the SDK's collector uses). A suite of bench/run.ts (`npm run bench -- server-events`; quick: 20,000 events)
// and runnable alone:
//
//   node --conditions=source --import tsx bench/server-events.ts [events=1000000] [connections=4] [lines=20000] [storeEvents=2000000]
//
// `connections` clients post bodies of `lines` events at once into the real server process; the
// rate is from the first send to the last reply, and the store's count is checked against it.
// Then the store alone, side by side: this duplicate check against the UNIQUE index before it.
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { DuckDBInstance, timestampValue } from "@duckdb/node-api";
import { PendingUnit } from "../src/server/ingest/commit-queue.ts";
import type { Batch, EventGroupDecl } from "../src/wire/batch.ts";
import { encodeBatch } from "../src/wire/codec.ts";
import { DuckDBStore } from "../src/server/store/duckdb-store.ts";
import { scalar, startServerProcess, tempStore } from "../test/server/helpers/server-process.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function ndjsonBody(from: number, n: number, run: string): string {
  let s = "";
  for (let i = from; i < from + n; i++) {
    s += `{"event_id":"${run}-${i}","event_time":${T0 + i},"event_type":"log","event_name":"job.started","severity":"info","jobId":${i},"queue":"emails"}\n`;
  }
  return s;
}

async function post(url: string, body: string | Uint8Array, type: string): Promise<unknown> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": type }, body });
  const reply = type.includes("json") || type.includes("ndjson") ? await r.json() : await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(reply)}`);
  return reply;
}

function cpuMs(pid: number, thread = false): number {
  // utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second); of the
  // main thread alone (JavaScript, the appender calls) from /proc/<pid>/task/<pid>/stat.
  const fields = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8")
    .split(") ")[1]
    .split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

// SDK batch events: what the collector ships from the workers' rings, one group of two kinds
// (int + short string; int + enum + bool + string), one source per worker.
const JOB_GROUP: EventGroupDecl = [
  0,
  {
    name: "job",
    brief: "",
    schemaHash: "bench",
    attributes: [{ name: "worker_id", type: "int", brief: "" }],
    events: [
      {
        name: "job.started",
        type: "log",
        severityNumber: 9,
        severityText: "INFO",
        brief: "",
        fields: [
          { name: "job_id", type: "int", brief: "" },
          { name: "queue", type: "string", brief: "", maxLength: 64 },
        ],
      },
      {
        name: "job.failed",
        type: "log",
        severityNumber: 17,
        severityText: "ERROR",
        brief: "",
        fields: [
          { name: "job_id", type: "int", brief: "" },
          { name: "reason", type: "enum", brief: "", values: ["timeout", "oom", "crash"] },
          { name: "retryable", type: "boolean", brief: "" },
          { name: "message", type: "string", brief: "", maxLength: 256 },
        ],
      },
    ],
  },
];

/** Batch `seq` of `stream` with `n` events (3 started : 1 failed over 4 sources), msgpack-encoded once. */
export function eventBatch(stream: string, seq: number, n: number): Uint8Array {
  const end = T0 + seq * 1000;
  const events: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    events.push(
      i % 4 === 3 ? [i % 4, 1, -(n - i) % 1000, 0, seq * n + i, i % 3, (i & 8) === 0, "upstream timed out"] : [i % 4, 0, -(n - i) % 1000, 0, seq * n + i, "emails"],
    );
  }
  const b: Batch = {
    v: 1,
    stream,
    seq,
    start: end - 1000,
    end,
    ...(seq === 1
      ? {
          open: {
            resource: { "service.name": "bench", "service.instance.id": stream },
            schemaHash: "bench",
            sdk: { name: "percore", version: "bench" },
            view: "aggregate" as const,
          },
          sets: [],
          series: [],
          eventGroups: [JOB_GROUP],
          eventSources: [0, 1, 2, 3].map((w) => [w, 0, [w]] as const),
        }
      : {}),
    points: [],
    events: events as unknown as Batch["events"],
  };
  return encodeBatch(b);
}

/** Sends `total` events as `bodies(i)` from `connections` clients; ms from first send to last reply. */
async function drive(total: number, perBody: number, connections: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next * perBody < total) await send(next++);
    }),
  );
  return performance.now() - t0;
}

/** OTLP logs bodies: `perBody` records made by the real SDK, serialized as protobuf once and reused. */
async function otlpBody(perBody: number): Promise<Uint8Array> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ "service.name": "bench" }), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger("bench");
  for (let i = 0; i < perBody; i++) {
    logger.emit({ eventName: "job.started", severityNumber: SeverityNumber.INFO, severityText: "INFO", body: "job started", attributes: { jobId: i, queue: "emails" } });
  }
  const body = ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords());
  await provider.shutdown();
  if (!body) throw new Error("no OTLP body");
  return body;
}

/**
 * The store alone, side by side in one run: commits of `perCommit` events with random client ids
 * (a) through DuckDBStore (append + in-memory id check, this design) and (b) the design before it,
 * a staging table and `INSERT OR IGNORE` into an events table with `event_id VARCHAR UNIQUE`.
 */
async function storeSideBySide(total: number, perCommit: number): Promise<{ current: number; unique: number }> {
  const dir = dirname(tempStore("bench-events-store"));
  try {
    const store = await DuckDBStore.open({ path: `${dir}/new.duckdb` });
    let t0 = performance.now();
    for (let done = 0; done < total; done += perCommit) {
      const u = new PendingUnit();
      for (let i = 0; i < perCommit; i++) u.events.push(storeEvent(crypto.randomUUID(), true));
      await store.commit(u);
    }
    const current = total / ((performance.now() - t0) / 1000);
    await store.close();
    const db = await DuckDBInstance.create(`${dir}/old.duckdb`);
    const c = await db.connect();
    const cols =
      "time TIMESTAMP, stream_id INTEGER, event_id VARCHAR, event_time TIMESTAMP, event_type VARCHAR, event_name VARCHAR, payload JSON, severity_number SMALLINT, severity_text VARCHAR, attributes JSON";
    await c.run(`CREATE TABLE events (${cols.replace("event_id VARCHAR", "event_id VARCHAR UNIQUE")})`);
    await c.run(`CREATE TEMP TABLE staging (${cols})`);
    t0 = performance.now();
    for (let done = 0; done < total; done += perCommit) {
      const a = await c.createAppender("staging", "main", "temp");
      for (let i = 0; i < perCommit; i++) {
        const e = storeEvent(crypto.randomUUID(), true);
        const ts = timestampValue(BigInt(e.time) * 1000n);
        a.appendTimestamp(ts);
        a.appendInteger(1);
        a.appendVarchar(e.eventId);
        a.appendTimestamp(ts);
        a.appendVarchar("log");
        a.appendVarchar("job.started");
        a.appendVarchar(e.payload);
        a.appendSmallInt(9);
        a.appendVarchar("INFO");
        a.appendNull();
        a.endRow();
      }
      a.closeSync();
      await c.run("BEGIN TRANSACTION");
      await c.runAndReadAll("INSERT OR IGNORE INTO events SELECT * FROM temp.staging RETURNING stream_id");
      await c.run("DELETE FROM temp.staging");
      await c.run("COMMIT");
    }
    const unique = total / ((performance.now() - t0) / 1000);
    c.closeSync();
    db.closeSync();
    return { current, unique };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The store alone at two checkpoint thresholds, side by side: SDK batch events (server ids, no
 * duplicate check) committed `perCommit` at a time through DuckDBStore, the closing checkpoint
 * inside the time (so what a threshold only defers is not counted as saved).
 */
async function checkpointSideBySide(total: number, perCommit: number): Promise<{ threshold: number; perSec: number; perCpuSec: number }[]> {
  const dir = dirname(tempStore("bench-events-checkpoint"));
  const key = randomUUID();
  const out = [];
  try {
    for (const threshold of [16 * 1024 ** 2, 64 * 1024 ** 2]) {
      const store = await DuckDBStore.open({ path: `${dir}/t${threshold}.duckdb`, limits: { checkpointThreshold: threshold } });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let done = 0, seq = 1; done < total; done += perCommit, seq++) {
        const u = new PendingUnit();
        for (let i = 0; i < perCommit; i++) {
          // One object literal with every field (as batch-events.ts makes them): a spread here
          // gave the store slow objects and halved its rate.
          const now = Date.now();
          u.events.push({
            stream: 1,
            time: now,
            eventTime: now,
            eventId: `${key}:${seq}:${i}`,
            eventType: "log",
            eventName: "job.started",
            severityNumber: 9,
            severityText: "INFO",
            attributes: `{"worker_id":${i & 3}}`,
            payload: `{"job_id":${done + i},"queue":"emails"}`,
            batchSeq: seq,
            batchIndex: i,
          });
        }
        await store.commit(u);
      }
      await store.close();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      out.push({ threshold, perSec: total / (ms / 1000), perCpuSec: total / ((cpu.user + cpu.system) / 1e6) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function storeEvent(id: string, clientId: boolean) {
  const now = Date.now();
  return {
    stream: 1,
    time: now,
    eventTime: now,
    eventId: id,
    eventType: "log",
    eventName: "job.started",
    severityNumber: 9,
    severityText: "INFO",
    attributes: null,
    payload: '{"jobId":1,"queue":"emails"}',
    clientId,
  };
}

export interface EventsShape {
  readonly events: number;
  readonly connections: number;
  readonly lines: number;
  /** Events committed straight into the store, for the side-by-side of the two dedup designs. */
  readonly storeEvents: number;
}

export async function measureEvents(shape: EventsShape) {
  const store = tempStore("bench-events");
  // BENCH_SERVER_PROF=<dir>: the server process writes a CPU profile there (node --cpu-prof) on exit.
  const prof = process.env.BENCH_SERVER_PROF;
  const server = await startServerProcess({ store, args: ["--max-body", "64MiB"], nodeArgs: prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [] });
  try {
    const bodies = Math.ceil(shape.events / shape.lines);
    const texts = Array.from({ length: bodies }, (_, b) => ndjsonBody(b * shape.lines, Math.min(shape.lines, shape.events - b * shape.lines), "a"));
    let cpu = cpuMs(server.pid);
    let main = cpuMs(server.pid, true);
    /** Server CPU ms since the last call: all threads, and the main thread alone. */
    const cpuSince = () => {
      const now = cpuMs(server.pid);
      const nowMain = cpuMs(server.pid, true);
      const d = { all: now - cpu, main: nowMain - main };
      cpu = now;
      main = nowMain;
      return d;
    };
    const ndjsonMs = await drive(shape.events, shape.lines, shape.connections, (i) => post(`${server.url}/v1/events`, texts[i], "application/x-ndjson"));
    const ndjsonCpu = cpuSince();
    const ndjsonStored = await scalar(server.url, "SELECT count(*) FROM events");
    if (ndjsonStored !== shape.events) throw new Error(`NDJSON: stored ${ndjsonStored} of ${shape.events}`);
    // Every line again: all duplicates, none stored (the check costs about what storing does).
    cpuSince();
    const dupMs = await drive(shape.events, shape.lines, shape.connections, (i) => post(`${server.url}/v1/events`, texts[i], "application/x-ndjson"));
    const dupCpu = cpuSince();
    const afterDup = await scalar(server.url, "SELECT count(*) FROM events");
    if (afterDup !== shape.events) throw new Error(`duplicates stored: ${afterDup - shape.events}`);
    const otlp = await otlpBody(Math.min(shape.lines, 5000));
    const perOtlp = Math.min(shape.lines, 5000);
    const otlpTotal = Math.ceil(shape.events / perOtlp) * perOtlp;
    cpuSince();
    const otlpMs = await drive(otlpTotal, perOtlp, shape.connections, () => post(`${server.url}/v1/logs`, otlp, "application/x-protobuf"));
    const otlpCpu = cpuSince();
    const otlpStored = (await scalar(server.url, "SELECT count(*) FROM events")) - shape.events;
    if (otlpStored !== otlpTotal) throw new Error(`OTLP: stored ${otlpStored} of ${otlpTotal}`);
    // SDK batches: one stream per connection, each posting its batches in sequence order.
    const perBatch = Math.min(shape.lines, 10_000);
    const batchesPerStream = Math.max(1, Math.ceil(shape.events / perBatch / shape.connections));
    // Stream keys as the SDK makes them (a UUID per collector): event ids are `<key>:<seq>:<index>`.
    const keys = Array.from({ length: shape.connections }, () => randomUUID());
    const encoded = Array.from({ length: shape.connections }, (_, c) => Array.from({ length: batchesPerStream }, (_, b) => eventBatch(keys[c]!, b + 1, perBatch)));
    const batchTotal = shape.connections * batchesPerStream * perBatch;
    const before = await scalar(server.url, "SELECT count(*) FROM events");
    cpuSince();
    const t0 = performance.now();
    await Promise.all(
      encoded.map(async (list) => {
        for (const body of list) await post(`${server.url}/v1/batches`, body, "application/msgpack");
      }),
    );
    const batchMs = performance.now() - t0;
    const batchCpu = cpuSince();
    const batchStored = (await scalar(server.url, "SELECT count(*) FROM events")) - before;
    if (batchStored !== batchTotal) throw new Error(`SDK batches: stored ${batchStored} of ${batchTotal}`);
    const side = await storeSideBySide(shape.storeEvents, 20_000);
    const checkpoints = await checkpointSideBySide(shape.storeEvents, 10_000);
    return {
      ...shape,
      checkpoints,
      batchEvents: batchTotal,
      batchPerSec: batchTotal / (batchMs / 1000),
      batchPerCpuSec: batchTotal / (batchCpu.all / 1000),
      batchPerMainSec: batchTotal / (batchCpu.main / 1000),
      batchBytesPerEvent: (encoded[0]?.[1] ?? encoded[0]?.[0] ?? new Uint8Array()).byteLength / perBatch,
      storePerSec: side.current,
      storeUniquePerSec: side.unique,
      ndjsonPerSec: shape.events / (ndjsonMs / 1000),
      ndjsonPerCpuSec: shape.events / (ndjsonCpu.all / 1000),
      ndjsonPerMainSec: shape.events / (ndjsonCpu.main / 1000),
      duplicatesPerSec: shape.events / (dupMs / 1000),
      duplicatesPerCpuSec: shape.events / (dupCpu.all / 1000),
      duplicatesPerMainSec: shape.events / (dupCpu.main / 1000),
      otlpEvents: otlpTotal,
      otlpPerSec: otlpTotal / (otlpMs / 1000),
      otlpPerCpuSec: otlpTotal / (otlpCpu.all / 1000),
      otlpPerMainSec: otlpTotal / (otlpCpu.main / 1000),
      otlpBytesPerEvent: otlp.byteLength / perOtlp,
      ndjsonBytesPerEvent: texts[0].length / Math.min(shape.lines, shape.events),
    };
  } finally {
    await server.stop();
    rmSync(dirname(store), { recursive: true, force: true });
  }
}

type EventsResult = Awaited<ReturnType<typeof measureEvents>>;

function print(r: EventsResult): void {
  console.log(`\n## Server events ingest (${r.events} events, ${r.connections} connections, ${r.lines} lines per body)\n`);
  const k = (n: number) => `${(n / 1e3).toFixed(0)}k`;
  console.log("| path | events/s (wall) | events per server CPU-second | per main-thread CPU-second |");
  console.log("|---|---:|---:|---:|");
  console.log(
    `| SDK batches /v1/batches msgpack, ${r.batchEvents} events (${r.batchBytesPerEvent.toFixed(0)} B/event) | ${k(r.batchPerSec)} | ${k(r.batchPerCpuSec)} | ${k(r.batchPerMainSec)} |`,
  );
  console.log(
    `| NDJSON /v1/events, new client ids (${r.ndjsonBytesPerEvent.toFixed(0)} B/event) | ${k(r.ndjsonPerSec)} | ${k(r.ndjsonPerCpuSec)} | ${k(r.ndjsonPerMainSec)} |`,
  );
  console.log(
    `| NDJSON /v1/events, the same again (all duplicates, none stored) | ${k(r.duplicatesPerSec)} | ${k(r.duplicatesPerCpuSec)} | ${k(r.duplicatesPerMainSec)} |`,
  );
  console.log(`| OTLP logs /v1/logs protobuf (${r.otlpBytesPerEvent.toFixed(0)} B/record) | ${k(r.otlpPerSec)} | ${k(r.otlpPerCpuSec)} | ${k(r.otlpPerMainSec)} |`);
  console.log(`\nStore alone, ${r.storeEvents} events with random client ids in commits of 20,000:\n`);
  console.log("| design | events/s committed | ratio |");
  console.log("|---|---:|---:|");
  console.log(`| append + in-memory id check (this) | ${k(r.storePerSec)} | ${(r.storePerSec / r.storeUniquePerSec).toFixed(1)}x |`);
  console.log(`| INSERT OR IGNORE into event_id UNIQUE (before) | ${k(r.storeUniquePerSec)} | 1.0x |`);
  console.log(`\nStore alone, ${r.storeEvents} SDK batch events (no client ids) in commits of 10,000, the closing checkpoint included:\n`);
  console.log("| checkpoint_threshold | events/s | events per CPU-second | ratio |");
  console.log("|---|---:|---:|---:|");
  const base = r.checkpoints[0]!;
  for (const c of r.checkpoints) console.log(`| ${c.threshold / 1024 ** 2} MiB | ${k(c.perSec)} | ${k(c.perCpuSec)} | ${(c.perSec / base.perSec).toFixed(2)}x |`);
}

/** `npm run bench -- server-events`. */
export default async function serverEvents(ctx: SuiteContext): Promise<void> {
  const r = await measureEvents(
    ctx.quick ? { events: 20_000, connections: 2, lines: 5_000, storeEvents: 40_000 } : { events: 1_000_000, connections: 4, lines: 20_000, storeEvents: 2_000_000 },
  );
  print(r);
  writeResult("server-events", ctx, r);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [events = 1_000_000, connections = 4, lines = 20_000, storeEvents = 2_000_000] = process.argv.slice(2).map(Number);
  print(await measureEvents({ events, connections, lines, storeEvents }));
}
