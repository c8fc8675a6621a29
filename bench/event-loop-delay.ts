// Main-thread event-loop delay added by telemetry (issue #14): a service whose main thread
// answers HTTP and records into 10,000 instances x 8 fields, all changed every second, flushed at
// a 1 s cadence. Each variant runs in a process of its own, one after the other
// (bench/fixtures/loop-delay-service.ts): no telemetry, percore's collector on the main thread,
// percore with thread: true, and the OpenTelemetry SDK's PeriodicExportingMetricReader. "added"
// is the variant's figure minus the no-telemetry figure of the same run.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeResult, type SuiteContext } from "./harness.ts";

interface Result {
  variant: string;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSec: number;
}

const VARIANTS = ["off", "main", "thread", "otel"] as const;
const LABEL: Record<string, string> = {
  off: "no telemetry",
  main: "percore, collector on the main thread",
  thread: "percore, thread: true",
  otel: "OpenTelemetry SDK, PeriodicExportingMetricReader",
};

export default async function eventLoopDelay(ctx: SuiteContext): Promise<void> {
  const seconds = ctx.quick ? 0.5 : 20;
  const service = new URL("./fixtures/loop-delay-service.ts", import.meta.url).pathname;
  const run = async (variant: string): Promise<Result> => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", service, variant, String(seconds)], { encoding: "utf8" });
    return JSON.parse(stdout.trim().split("\n").pop()!) as Result;
  };
  // Quick mode proves the variants run (all at once, figures meaningless); a real run takes them one at a time.
  const rows: Result[] = [];
  if (ctx.quick) rows.push(...(await Promise.all(VARIANTS.map(run))));
  else for (const variant of VARIANTS) rows.push(await run(variant));
  const off = rows.find((r) => r.variant === "off")!;
  console.log(`\n## Main-thread event-loop delay, 10,000 instances x 8 fields, 100% changed, 1 s cadence, ${seconds} s per variant\n`);
  console.log("| variant | p50 ms | p99 ms | max ms | p99 added ms | max added ms | requests/s |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const added = (x: number, y: number) => (r.variant === "off" ? "-" : (x - y).toFixed(2));
    console.log(
      `| ${LABEL[r.variant]} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.maxMs.toFixed(2)} | ${added(r.p99Ms, off.p99Ms)} | ${added(r.maxMs, off.maxMs)} | ${r.requestsPerSec.toFixed(0)} |`,
    );
  }
  writeResult("event-loop-delay", ctx, rows);
}
