// Every event the server answers "stored" is in the store: events without event_id get an id from
// the server (issue #9 D1: NULL ids went through INSERT OR IGNORE and most were dropped). Since
// #11 the four fields are required by default; this runs the compatibility mode that accepts
// events without them (`--event-fields optional`, for clients written against the older server).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("event-ids"), args: ["--event-fields", "optional"] });
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

const post = (body: string) =>
  fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  }));
const count = async (where: string) => Number((await query(server.url, `SELECT count(*) FROM events WHERE ${where}`))[0][0]);

it("three lines without ids: three stored, each with a generated UUIDv7", async () => {
  const r = await post('{"a":1}\n{"a":2}\n{"a":3}');
  expect(r).toEqual({ status: 200, body: { stored: 3, duplicates: 0, rejected: 0, total: 3 } });
  expect(await count("payload->>'a' IN ('1','2','3')")).toBe(3);
  const ids = await query(server.url, "SELECT event_id FROM events WHERE payload->>'a' IN ('1','2','3')");
  for (const [id] of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

it("50 concurrent single events without ids: 50 stored, and each reply says 1", async () => {
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => post(JSON.stringify({ burst: i }))));
  for (const r of replies) expect(r).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });
  expect(await count("payload->>'burst' IS NOT NULL")).toBe(50);
});

it("an id already stored is a duplicate, not stored again, and the reply says so", async () => {
  expect((await post('{"event_id":"dup-1","n":1}\n{"event_id":"dup-2"}')).body).toMatchObject({ stored: 2, duplicates: 0 });
  expect((await post('{"event_id":"dup-1","n":2}\n{"event_id":"dup-3"}\n{"event_id":"dup-3"}')).body).toMatchObject({ stored: 1, duplicates: 2 });
  expect(await count("event_id LIKE 'dup-%'")).toBe(3);
});

it("ids are strings: a numeric event_id is refused with its line, the good line beside it stored", async () => {
  const r = await post('{"event_id":"n-ok"}\n{"event_id":7}');
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ stored: 1, rejected: 1 });
  const [err] = r.body.errors as { code: string; where: string; message: string }[];
  expect(err).toMatchObject({ code: "E_BAD_VALUE", where: "line 2" });
  expect(err?.message).toMatch(/event_id must be a string \(send "7"\)/);
  expect(await count("event_id = 'n-ok'")).toBe(1);
});

it("every bad line is counted and the first ones listed", async () => {
  const r = await post(["[1]", '{"ok":1}', "2", "{bad"].join("\n"));
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ stored: 1, rejected: 3 });
  expect((r.body.errors as { where: string }[]).map((e) => e.where)).toEqual(["line 1", "line 3", "line 4"]);
});
