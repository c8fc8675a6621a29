// `npm run demo`: the whole loop on one machine in about 20 seconds. Starts the telemetry server
// (embedded DuckDB file), the thread-per-core HTTP service shipping to it, drives the service with
// a bounded load, stops the service (its last flush reaches the server), prints what the server
// stored, and stops everything it started, by pid.
//
//   npm run demo -- [--duration 8] [--store ./telemetry.duckdb] [--keep]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startNode, startTelemetryServer, type Child } from "../lib/processes.ts";
import { printStored, runLoad, waitStored } from "../service/load.ts";

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "8" },
    connections: { type: "string", default: "8" },
    store: { type: "string" },
    // Leave the store file in place (the default, a temporary directory, is removed at the end).
    keep: { type: "boolean", default: false },
  },
});

const store = opts.store ? resolve(opts.store) : join(mkdtempSync(join(tmpdir(), "percore-demo-")), "telemetry.duckdb");
const started: Child[] = [];

async function demo(): Promise<void> {
  console.log(`# 1. telemetry server (DuckDB file ${store})`);
  const server = await startTelemetryServer(store, { echo: true });
  started.push(server);

  console.log("\n# 2. thread-per-core HTTP service, shipping to it");
  const service = await startNode({
    name: "service",
    script: "examples/service/main.ts",
    args: ["--port", "0", "--server", server.ready, "--cadence", "1000"],
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    echo: true,
  });
  started.push(service);

  console.log(`\n# 3. load: ${opts.connections} connections for ${opts.duration} s`);
  const load = await runLoad({ target: service.ready, durationMs: Number(opts.duration) * 1000, connections: Number(opts.connections) });
  console.log(
    `${load.answered} requests answered (${((load.answered / load.ms) * 1000).toFixed(0)} req/s), ${load.failed} failed; by status ${JSON.stringify(load.byStatus)}`,
  );

  // The same data, pulled: the service's collector also keeps a Prometheus view.
  const exposition = await (await fetch(`${service.ready}/metrics`)).text();
  const samples = exposition.split("\n").filter((l) => l.startsWith("http_server_requests_total{"));
  console.log(
    `\n# the service's own Prometheus endpoint, ${service.ready}/metrics (${samples.length} request counters; as of its last flush):\n${samples.slice(0, 4).join("\n")}`,
  );

  console.log("\n# 4. stop the service: its collector's last flush reaches the server");
  const code = await service.stop("SIGTERM");
  if (code !== 0) throw new Error(`service exited with ${code}`);
  const stored = await waitStored(server.ready, load.startedAt, load.answered, 5_000);
  console.log(`the server stored ${stored} requests; the load saw ${load.answered} answered${stored === load.answered ? " (nothing lost)" : " (MISMATCH)"}`);

  console.log("\n# 5. what the server stored");
  await printStored(server.ready, load.startedAt);
  console.log(
    `\nMore questions in SQL: docs/reading-back.md. A picture: npm run plot -- --url ${server.ready} --metric http.server.requests --out requests.svg (while a server runs)`,
  );
  if (stored !== load.answered) throw new Error("stored requests differ from answered requests");
}

let failed = false;
try {
  await demo();
} catch (e) {
  failed = true;
  console.error(`demo failed: ${(e as Error).stack ?? String(e)}`);
}
// Stop what this script started, newest first, each by its own pid.
for (const child of started.reverse()) await child.stop("SIGTERM");
if (!opts.store && !opts.keep) rmSync(dirname(store), { recursive: true, force: true });
else console.log(`store kept: ${store}`);
process.exit(failed ? 1 : 0);
