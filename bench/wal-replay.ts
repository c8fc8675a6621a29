// The price of a larger checkpoint_threshold (docs/server.md, "Checkpoints"): a process appends
// `events` SDK-like event rows to a DuckDB file with checkpoints held off, then is SIGKILLed; the
// time to open the file again (replaying the write-ahead log) and count the rows. Runnable alone:
//
//   node --conditions=source --import tsx bench/wal-replay.ts [events=500000]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance, timestampValue } from "@duckdb/node-api";

const [mode, path, n = "500000"] = process.argv.slice(2);
if (mode === "write") {
  const db = await DuckDBInstance.create(path!, { checkpoint_threshold: "1GB" });
  const c = await db.connect();
  await c.run(`CREATE TABLE events (time TIMESTAMP, stream_id INTEGER, event_id VARCHAR, event_time TIMESTAMP, event_type VARCHAR,
    event_name VARCHAR, payload JSON, severity_number SMALLINT, severity_text VARCHAR, attributes JSON)`);
  for (let done = 0; done < Number(n); done += 10_000) {
    await c.run("BEGIN TRANSACTION");
    const a = await c.createAppender("events");
    for (let i = done; i < done + 10_000; i++) {
      const ts = timestampValue(BigInt(1_767_225_600_000 + i) * 1000n);
      a.appendTimestamp(ts);
      a.appendInteger(1);
      a.appendVarchar(`bench:${done}:${i}`);
      a.appendTimestamp(ts);
      a.appendVarchar("log");
      a.appendVarchar("job.started");
      a.appendVarchar(`{"job_id":${i},"queue":"emails"}`);
      a.appendSmallInt(9);
      a.appendVarchar("INFO");
      a.appendVarchar(`{"worker_id":${i & 3}}`);
      a.endRow();
    }
    a.closeSync();
    await c.run("COMMIT");
  }
  // No close, no checkpoint: the rows are only in the log, as after a crash.
  process.kill(process.pid, "SIGKILL");
} else {
  const dir = mkdtempSync(join(tmpdir(), "wal-replay-"));
  const file = join(dir, "s.duckdb");
  const events = mode ?? "500000";
  spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "write", file, events], { stdio: "inherit" });
  const walBytes = statSync(`${file}.wal`).size;
  const t0 = performance.now();
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  const rows = Number((await c.runAndReadAll("SELECT count(*) FROM events")).getRows()[0]![0]);
  const ms = performance.now() - t0;
  c.closeSync();
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
  console.log(`write-ahead log ${(walBytes / 1e6).toFixed(1)} MB, ${rows} rows: opened and counted in ${ms.toFixed(0)} ms`);
}
