// A thread-per-core HTTP service: the main thread only parses HTTP and hands each request to a
// piscina pool with one worker per core; workers record request counts, sizes and durations into
// their own shared memory, and the collector here ships the deltas to the telemetry server and
// keeps a Prometheus view of them, served at /metrics on the service's own port.
//
//   npm run example:service -- [--port 3000] [--server http://127.0.0.1:4318] [--cadence 1000]
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { Piscina } from "piscina";
import { PrometheusExporter, ServerExporter } from "percore/export";
import { instrumentPool } from "percore/piscina";
import { Collector } from "percore/runtime";
import type { Job, Reply } from "./handler.ts";

const { values: opts } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    server: { type: "string", default: process.env.TELEMETRY_URL ?? "http://127.0.0.1:4318" },
    cadence: { type: "string", default: "1000" },
    threads: { type: "string", default: String(availableParallelism()) },
  },
});

const threads = Number(opts.threads);
const exporter = new ServerExporter({ url: opts.server, transport: "ws" });
// noServer: the exposition is rendered by this service's own HTTP server (GET /metrics) below.
const prometheus = new PrometheusExporter({ noServer: true });
const collector = new Collector({
  cadenceMs: Number(opts.cadence),
  exporters: [exporter, prometheus],
  resource: { "service.name": "percore-example-service", "service.version": "0.1.0" },
}).start();

const pool = new Piscina<Job, Reply>({
  // Node 20 ignores `--import tsx` in worker execArgv: the bootstrap registers tsx, then loads the handler.
  filename: new URL("../lib/ts-task.mjs", import.meta.url).href,
  argv: [new URL("./handler.ts", import.meta.url).href],
  execArgv: ["--conditions=source"],
  minThreads: threads,
  maxThreads: threads,
  idleTimeout: 60_000,
});
const stopPoolMetrics = instrumentPool(pool, { name: "http" });

// Route templates, not paths: the route is an entity attribute and must stay low-cardinality.
function routeOf(method: string, path: string): string {
  if (method === "GET" && /^\/api\/items\/[^/]+$/.test(path)) return "/api/items/:id";
  if (method === "POST" && path === "/api/hash") return "/api/hash";
  if (method === "GET" && path === "/api/report") return "/api/report";
  return "unmatched";
}

const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString();
}

async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/healthz") return void res.end('{"ok":true}');
  if (path === "/metrics" && method === "GET") {
    const { body, contentType } = prometheus.render(req.headers.accept);
    res.writeHead(200, { "content-type": contentType }).end(body);
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413).end('{"error":"body too large"}');
    return;
  }
  const job: Job = { route: routeOf(method, path), method, path, body, enqueuedAt: performance.timeOrigin + performance.now() };
  const reply = await pool.run(job);
  res.writeHead(reply.status, { "content-type": "application/json" }).end(reply.body);
}

const server = createServer((req, res) => {
  onRequest(req, res).catch((e: unknown) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(JSON.stringify({ error: String((e as Error).message) }));
  });
});

server.listen(Number(opts.port), "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port} (${threads} workers, shipping to ${opts.server} every ${opts.cadence} ms, Prometheus at /metrics)`);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing requests, then the last flush`);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  stopPoolMetrics();
  await pool.destroy();
  // The workers are gone but their shared memory is still readable: this flush loses nothing.
  await collector.shutdown();
  console.log(`stopped; the server acknowledged ${exporter.stored} stored points, dropped ${exporter.dropped} batches`);
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
