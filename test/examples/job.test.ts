// The short-lived job loses nothing: three runs, and the server's /metrics shows three times each
// run's totals (the server adds the streams' deltas up into one cumulative counter).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetryServer, type Child } from "../../examples/lib/processes.ts";
import { runScript, tempStore } from "./run-script.ts";

const store = tempStore("job");
let server: Child;

beforeAll(async () => {
  server = await startTelemetryServer(store);
});

afterAll(async () => {
  await server?.stop();
  rmSync(dirname(store), { recursive: true, force: true });
});

/** The value of the first sample whose name matches `name` (a string, or a pattern for unit suffixes) and has all `labels`. */
function sample(text: string, name: string | RegExp, labels: string): number {
  const named = (l: string) => (typeof name === "string" ? l.startsWith(`${name}{`) : name.test(l));
  const line = text.split("\n").find((l) => named(l) && labels.split(",").every((kv) => l.includes(kv)));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : NaN;
}

describe("examples/job", () => {
  it("three runs show up in /metrics as three times one run's totals", async () => {
    const runs = 3;
    for (let i = 0; i < runs; i++) {
      const r = await runScript("examples/job/main.ts", ["--server", server.ready, "--records", "1000", "--ms", "800"], 60_000);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/1000 records \(913 ok, 76 skipped, 11 failed\)/);
      expect(r.output).toMatch(/0 batches dropped/);
    }
    const text = await (await fetch(`${server.ready}/metrics`)).text();
    expect(sample(text, "job_run_records_total", 'job_name="nightly-import",outcome="ok"')).toBe(runs * 913);
    expect(sample(text, "job_run_records_total", 'job_name="nightly-import",outcome="skipped"')).toBe(runs * 76);
    expect(sample(text, "job_run_records_total", 'job_name="nightly-import",outcome="failed"')).toBe(runs * 11);
    expect(sample(text, "job_lifecycle_runs_total", 'job_name="nightly-import"')).toBe(runs);
    expect(sample(text, /^job_run_record_duration_(milli)?seconds_count\{/, 'outcome="ok"')).toBe(runs * 913);
  });
});
