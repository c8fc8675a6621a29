// Ingest acknowledgement latency with and without 4 runaway user queries (issue 9, D3). A suite of
// bench/run.ts (`npm run bench -- query-isolation`) and runnable alone:
//
//   node --conditions=source --import tsx bench/query-isolation.ts [streams=8] [batches=100] [cadenceMs=20]
//
// The real server process (DuckDB file under .tmp/) receives `streams` HTTP streams, each posting
// `batches` batches one after the other every `cadenceMs`; each batch's latency runs from the send
// to its acknowledgement (the batch is committed by then). The same load runs twice on the same
// server: alone, then while 4 queries `SELECT count(*) FROM range(10^12)` occupy every query slot
// (--max-queries 4). Reported: p50, p99 and max per phase, and the ratio of the two p99s.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { batch, post } from "../test/server/helpers/batches.ts";
import { sql, startServerProcess, tempStore, until, type ServerProcess } from "../test/server/helpers/server-process.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

interface Shape {
  readonly streams: number;
  readonly batches: number;
  readonly cadenceMs: number;
}

interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly acked: number;
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function load(server: ServerProcess, shape: Shape, phase: string): Promise<Latencies> {
  const all: number[] = [];
  await Promise.all(
    Array.from({ length: shape.streams }, async (_, s) => {
      for (let seq = 1; seq <= shape.batches; seq++) {
        const t0 = performance.now();
        const r = await post(server.url, batch(`${phase}-${s}`, seq, 1));
        all.push(performance.now() - t0);
        if (r.status !== 200 || r.body.seq !== seq) throw new Error(`batch ${seq} of ${phase}-${s}: ${r.status} ${JSON.stringify(r.body)}`);
        await new Promise((r) => setTimeout(r, shape.cadenceMs));
      }
    }),
  );
  all.sort((a, b) => a - b);
  return { p50: quantile(all, 0.5), p99: quantile(all, 0.99), max: all[all.length - 1], acked: all.length };
}

export async function measureIsolation(shape: Shape) {
  const store = tempStore("bench-isolation");
  const server = await startServerProcess({ store, args: ["--max-queries", "4", "--query-timeout", "10m"] });
  try {
    const alone = await load(server, shape, "alone");
    const runaways = Array.from({ length: 4 }, () => sql(server.url, "SELECT count(*) FROM range(1000000000000)").catch(() => undefined));
    await until(async () => ((await sql(server.url, "SELECT 1")).status === 503 ? true : undefined), "4 runaway queries running");
    const busy = await load(server, shape, "busy");
    // Still running at the end, or the second phase was not under load.
    if ((await sql(server.url, "SELECT 1")).status !== 503) throw new Error("the runaway queries ended before the load did");
    await server.stop("SIGTERM", 60_000);
    await Promise.all(runaways);
    return { ...shape, alone, busy, p99Ratio: busy.p99 / alone.p99 };
  } finally {
    await server.stop("SIGKILL");
    rmSync(dirname(store), { recursive: true, force: true });
  }
}

type Result = Awaited<ReturnType<typeof measureIsolation>>;

function printTable(r: Result): void {
  console.log(`\n## Ingest ack latency with 4 runaway queries (${r.streams} HTTP streams x ${r.batches} batches, one every ${r.cadenceMs} ms each)\n`);
  console.log("| phase | acked | p50 ms | p99 ms | max ms |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [name, l] of [
    ["no queries", r.alone],
    ["4 runaway queries", r.busy],
  ] as const) {
    console.log(`| ${name} | ${l.acked} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.max.toFixed(1)} |`);
  }
  console.log(`\np99 with 4 runaway queries = ${r.p99Ratio.toFixed(2)} x p99 without`);
}

export default async function queryIsolation(ctx: SuiteContext): Promise<void> {
  const r = await measureIsolation(ctx.quick ? { streams: 2, batches: 10, cadenceMs: 20 } : { streams: 8, batches: 100, cadenceMs: 20 });
  printTable(r);
  writeResult("query-isolation", ctx, r);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [streams = 8, batches = 100, cadenceMs = 20] = process.argv.slice(2).map(Number);
  printTable(await measureIsolation({ streams, batches, cadenceMs }));
}
