// NDJSON events in the activity-events format (issue #11): the four fields are required, each bad
// line is rejected with its reason while the good ones are stored, severity lands in its columns,
// and an event_id is stored once: in one body, across bodies, across a SIGKILL and restart, and
// for ids stored by a server from before this change (its UNIQUE event_id table is rebuilt).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, expect, it } from "vitest";
import { query, serverPool, tempStore } from "./helpers/server-process.ts";

const pool = serverPool();
afterAll(() => pool.cleanup());

const post = (url: string, body: string) =>
  fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, any>,
  }));
const ev = (id: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({ event_id: id, event_time: "2026-03-01T12:00:00.000Z", event_type: "behavioral", event_name: "user.signed_in", ...more });

it("bad lines are rejected one by one with line and reason; the good lines are stored", async () => {
  const s = await pool.start("ndjson-lines");
  const body = [
    ev("ok-1", { user: "ann" }),
    JSON.stringify({ event_time: 1, event_type: "log", event_name: "x" }),
    ev("ok-2", { event_time: 1767225600000 }),
    "{not json",
    ev("bad-time", { event_time: "yesterday" }),
    JSON.stringify({ event_id: "no-name", event_time: 1, event_type: "log" }),
    ev("bad-sev", { severity: "loud" }),
    "",
    ev("ok-3"),
  ].join("\n");
  const r = await post(s.url, body);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ stored: 3, duplicates: 0, rejected: 5, total: 3 });
  expect(r.body.errors.map((e: { where: string; code: string }) => [e.where, e.code])).toEqual([
    ["line 2", "E_MISSING_FIELD"],
    ["line 4", "E_BAD_JSON"],
    ["line 5", "E_BAD_VALUE"],
    ["line 6", "E_MISSING_FIELD"],
    ["line 7", "E_BAD_VALUE"],
  ]);
  expect(r.body.errors[0].message).toMatch(/event_id is missing \(every event needs event_id, event_time, event_type and event_name\)/);
  expect(r.body.errors[3].message).toMatch(/event_name is missing/);
  const rows = await query(s.url, "SELECT event_id, epoch_ms(event_time), event_type, event_name FROM events ORDER BY event_id");
  expect(rows).toEqual([
    ["ok-1", 1772366400000, "behavioral", "user.signed_in"],
    ["ok-2", 1767225600000, "behavioral", "user.signed_in"],
    ["ok-3", 1772366400000, "behavioral", "user.signed_in"],
  ]);
  // Every line bad: an error status, nothing stored, all counted.
  const all = await post(s.url, '{"a":1}\n[2]');
  expect(all.status).toBe(422);
  expect(all.body).toMatchObject({ stored: 0, rejected: 2, error: { code: "E_MISSING_FIELD", where: "line 1" } });
});

it("severity_number, severity_text and severity (a name) land in their columns", async () => {
  const s = await pool.start("ndjson-severity");
  const r = await post(
    s.url,
    [
      ev("s1", { severity_number: 14 }),
      ev("s2", { severity: "error" }),
      ev("s3", { severity_text: "Warning" }),
      ev("s4", { severity_number: 9, severity_text: "notice" }),
      ev("s5"),
    ].join("\n"),
  );
  expect(r.body).toMatchObject({ stored: 5, rejected: 0 });
  expect(await query(s.url, "SELECT event_id, severity_number, severity_text FROM events ORDER BY event_id")).toEqual([
    ["s1", 14, "WARN"],
    ["s2", 17, "ERROR"],
    ["s3", 13, "Warning"],
    ["s4", 9, "notice"],
    ["s5", null, null],
  ]);
  const bad = await post(s.url, ev("s6", { severity_number: 25 }));
  expect(bad.body.error).toMatchObject({ code: "E_BAD_VALUE", message: expect.stringMatching(/severity_number must be an integer 1-24/) });
});

it("a duplicate event_id is stored once: in a body, across bodies, after SIGKILL and restart", async () => {
  const store = tempStore("ndjson-dups");
  let s = await pool.startOn(store);
  expect((await post(s.url, [ev("d1", { n: 1 }), ev("d2"), ev("d1", { n: 2 })].join("\n"))).body).toMatchObject({ stored: 2, duplicates: 1 });
  expect((await post(s.url, [ev("d2"), ev("d3")].join("\n"))).body).toMatchObject({ stored: 1, duplicates: 1 });
  // Concurrent bodies carrying the same ids: each id once, whoever wins.
  const same = Array.from({ length: 200 }, (_, i) => ev(`c${i}`)).join("\n");
  const replies = await Promise.all(Array.from({ length: 4 }, () => post(s.url, same)));
  expect(replies.reduce((n, r) => n + r.body.stored, 0)).toBe(200);
  expect(replies.reduce((n, r) => n + r.body.duplicates, 0)).toBe(600);
  await s.stop("SIGKILL");
  s = await pool.startOn(store);
  // After the restart the ids are known from the store (no recent-id memory survives a kill).
  const again = await post(s.url, [ev("d1", { n: 3 }), ev("c7"), ev("d4")].join("\n"));
  expect(again.body).toMatchObject({ stored: 1, duplicates: 2 });
  expect(await query(s.url, "SELECT event_id, count(*) FROM events GROUP BY event_id HAVING count(*) > 1")).toEqual([]);
  expect(await query(s.url, "SELECT count(*), count(DISTINCT event_id) FROM events")).toEqual([[204, 204]]);
  expect(await query(s.url, "SELECT payload->>'n' FROM events WHERE event_id = 'd1'")).toEqual([["1"]]);
});

it("a store from before this change (event_id UNIQUE) is rebuilt on open and its ids still count as stored", async () => {
  const store = tempStore("ndjson-old");
  const db = await DuckDBInstance.create(store);
  const c = await db.connect();
  await c.run(`CREATE TABLE events (time TIMESTAMP, stream_id INTEGER, event_id VARCHAR UNIQUE, event_time TIMESTAMP,
    event_type VARCHAR, event_name VARCHAR, payload JSON)`);
  await c.run(`INSERT INTO events VALUES (now()::TIMESTAMP, 1, 'old-1', NULL, NULL, NULL, '{"old":true}')`);
  c.closeSync();
  db.closeSync();
  const s = await pool.startOn(store);
  expect((await post(s.url, [ev("old-1"), ev("new-1")].join("\n"))).body).toMatchObject({ stored: 1, duplicates: 1 });
  expect(await query(s.url, "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'UNIQUE'")).toEqual([[0]]);
  expect(await query(s.url, "SELECT event_id, payload FROM events ORDER BY event_id")).toEqual([
    ["new-1", JSON.parse(ev("new-1")) && ev("new-1")],
    ["old-1", '{"old":true}'],
  ]);
});

it("a store from the release before event_rows (a table named events) keeps its events and ids, and takes new ones", async () => {
  const store = tempStore("ndjson-events-table");
  const db = await DuckDBInstance.create(store);
  const c = await db.connect();
  await c.run(`CREATE TABLE events (time TIMESTAMP, stream_id INTEGER, event_id VARCHAR, event_time TIMESTAMP,
    event_type VARCHAR, event_name VARCHAR, payload JSON, severity_number SMALLINT, severity_text VARCHAR, attributes JSON)`);
  await c.run(`INSERT INTO events VALUES (now()::TIMESTAMP, 1, 'sdk-stream:4:2', NULL, 'log', 'job.started', '{"job_id":1}', 9, 'INFO', '{"worker_id":1}')`);
  c.closeSync();
  db.closeSync();
  const s = await pool.startOn(store);
  expect((await post(s.url, ev("after-1"))).body).toMatchObject({ stored: 1, duplicates: 0 });
  expect(await query(s.url, "SELECT event_id, event_name, severity_text, attributes FROM events ORDER BY event_id")).toEqual([
    ["after-1", "user.signed_in", null, null],
    ["sdk-stream:4:2", "job.started", "INFO", '{"worker_id":1}'],
  ]);
  expect(await query(s.url, "SELECT table_type FROM information_schema.tables WHERE table_name IN ('events', 'event_rows') ORDER BY table_name")).toEqual([
    ["BASE TABLE"],
    ["VIEW"],
  ]);
});

it("curl keeps working: a file of four-field events posted with --data-binary", async () => {
  const s = await pool.start("ndjson-curl");
  const body = `${ev("curl-1", { severity: "info" })}\n${ev("curl-2")}\n`;
  const { stdout } = await promisify(execFile)("curl", ["-s", "--data-binary", body, "-H", "content-type: application/x-ndjson", `${s.url}/v1/events`]);
  expect(JSON.parse(stdout)).toEqual({ stored: 2, duplicates: 0, rejected: 0, total: 2 });
  expect(await query(s.url, "SELECT count(*) FROM events WHERE event_id LIKE 'curl-%'")).toEqual([[2]]);
});

it("--event-fields optional accepts events without the four fields (older clients), with a generated id", async () => {
  const s = await pool.start("ndjson-optional", ["--event-fields", "optional"]);
  const r = await post(s.url, '{"a":1}\n{"event_id":"x","a":2}\n{"event_id":"x","a":3}');
  expect(r.body).toEqual({ stored: 2, duplicates: 1, rejected: 0, total: 2 });
  const ids = await query(s.url, "SELECT event_id FROM events WHERE payload->>'a' = '1'");
  expect(String(ids[0]?.[0])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
});
