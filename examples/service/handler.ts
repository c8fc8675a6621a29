// The request handler that runs in every piscina worker. Telemetry needs no setup here: creating a
// generated metric-set instance in a worker announces it to the collector on the main thread, and
// every recording is an indexed store into this worker's own shared memory.
import { createHash } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import { threadId } from "node:worker_threads";
import { HttpServer, type HttpServerMethod, type HttpServerStatus } from "../demo/telemetry.generated.ts";

export interface Job {
  /** Route template, e.g. "/api/items/:id": an entity attribute, so keep it low-cardinality. */
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
  /** performance.timeOrigin + performance.now() on the main thread when the request was handed over. */
  readonly enqueuedAt: number;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

// One instance per (worker, route); the route is fixed per instance, method and status vary per
// request and are measurement attributes (dense slots, no lookup at record time).
const instances = new Map<string, HttpServer>();
function metricsFor(route: string): HttpServer {
  let m = instances.get(route);
  if (!m) instances.set(route, (m = new HttpServer({ workerId: threadId, route })));
  return m;
}

const now = () => performance.timeOrigin + performance.now();
const methodOf = (m: string): HttpServerMethod => (m === "GET" ? "GET" : m === "POST" ? "POST" : "OTHER");
const statusOf = (s: number): HttpServerStatus => (s < 300 ? "2xx" : s < 400 ? "3xx" : s < 500 ? "4xx" : "5xx");

/** Some CPU per request (about 1.7 µs per round here), so the pool has something to parallelise. */
function work(input: string, rounds: number): string {
  let digest = input;
  for (let i = 0; i < rounds; i++) digest = createHash("sha256").update(digest).digest("hex");
  return digest;
}

let reports = 0;

function handle(job: Job): Reply {
  switch (job.route) {
    case "/api/items/:id": {
      const id = Number(job.path.split("/").pop());
      return Number.isInteger(id) && id > 0 ? { status: 200, body: JSON.stringify({ id, digest: work(String(id), 400) }) } : { status: 400, body: '{"error":"bad id"}' };
    }
    case "/api/hash":
      return { status: 200, body: JSON.stringify({ sha256: work(job.body, 1200) }) };
    case "/api/report": {
      const digest = work(job.path, 4000);
      // Every 25th report fails, so the examples have errors to find.
      return ++reports % 25 === 0 ? { status: 503, body: '{"error":"report backend busy"}' } : { status: 200, body: JSON.stringify({ digest }) };
    }
    default:
      return { status: 404, body: '{"error":"not found"}' };
  }
}

let handled = 0;

export default function task(job: Job): Reply {
  const start = now();
  const reply = handle(job);
  const m = metricsFor(job.route);
  const method = methodOf(job.method);
  const status = statusOf(reply.status);
  m.requests.inc(method, status);
  m.payloadSize.add(Buffer.byteLength(job.body), method, status);
  m.duration.record(now() - start, method, status);
  m.queueWait.record(start - job.enqueuedAt, method, status);
  // Reading heap statistics costs microseconds: sample it, do not pay it per request.
  if (handled++ % 256 === 0) m.heapUsed.set(getHeapStatistics().used_heap_size, "GET", "2xx");
  return reply;
}
