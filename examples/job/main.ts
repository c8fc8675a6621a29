// A short-lived job: runs for about a second, records what it did, and exits without losing the
// last interval. The collector flushes every 250 ms while the job runs; `await collector.shutdown()`
// flushes the rest and waits until the server has acknowledged every batch. Each run is its own
// stream of deltas; the server's /metrics adds the runs up into one cumulative counter.
//
//   npm run example:job -- [--server http://127.0.0.1:4318] [--records 2000] [--ms 1000]
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { ServerExporter } from "percore/export";
import { Collector } from "percore/runtime";
import { JobLifecycle, JobRun, type JobRunOutcome } from "./telemetry.generated.ts";

const { values: opts } = parseArgs({
  options: {
    server: { type: "string", default: process.env.TELEMETRY_URL ?? "http://127.0.0.1:4318" },
    name: { type: "string", default: "nightly-import" },
    records: { type: "string", default: "2000" },
    ms: { type: "string", default: "1000" },
  },
});

// HTTP suits a process that lives a second: no connection to keep, one POST per flush.
const exporter = new ServerExporter({ url: opts.server, transport: "http" });
const collector = new Collector({ cadenceMs: 250, exporters: [exporter], resource: { "service.name": "percore-example-job" } }).start();
const run = new JobRun({ jobName: opts.name });
const lifecycle = new JobLifecycle({ jobName: opts.name });

/** The same records every run (so totals over runs are predictable): every 13th is skipped, every 97th fails. */
function outcomeOf(i: number): JobRunOutcome {
  return i % 97 === 0 ? "failed" : i % 13 === 0 ? "skipped" : "ok";
}

function processRecord(i: number): void {
  const t0 = performance.now();
  const record = `record-${i}-${"x".repeat(i % 200)}`;
  const outcome = outcomeOf(i);
  if (outcome === "ok") createHash("sha256").update(record).digest();
  run.records.inc(outcome);
  run.recordBytes.add(Buffer.byteLength(record), outcome);
  run.recordDuration.record(performance.now() - t0, outcome);
}

const total = Number(opts.records);
const ticks = 20;
const started = performance.now();
// Spread the records over the run so several flushes happen while it works.
for (let tick = 0; tick < ticks; tick++) {
  for (let i = Math.floor((tick * total) / ticks); i < Math.floor(((tick + 1) * total) / ticks); i++) processRecord(i);
  await new Promise((r) => setTimeout(r, Number(opts.ms) / ticks));
}
lifecycle.runs.inc();

await collector.shutdown();
const counts = { ok: 0, skipped: 0, failed: 0 };
for (let i = 0; i < total; i++) counts[outcomeOf(i)]++;
console.log(
  `job ${opts.name}: ${total} records (${counts.ok} ok, ${counts.skipped} skipped, ${counts.failed} failed) in ${(performance.now() - started).toFixed(0)} ms; ` +
    `server acknowledged ${exporter.stored} points, ${exporter.dropped} batches dropped`,
);
