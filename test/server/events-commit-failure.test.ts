// A big NDJSON body is stored in several commits (chunks of 2,000 lines, up to 8 in flight). When
// one commit fails, the reply is E_STORE and its `stored` is exactly what reached the store: the
// chunks committed before the failure and any queued after it that committed on their own.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/server.ts";
import type { Store } from "../../src/server/store/store.ts";
import { query, tempStore } from "./helpers/server-process.ts";

let running: RunningServer | undefined;
let path = "";
afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(dirname(path), { recursive: true, force: true });
});

/** The real store, except that its commit number `n` (1-based) that carries events fails. */
function failEventCommit(store: Store, n: number): Store {
  let seen = 0;
  const wrapped = Object.create(store) as Store;
  wrapped.commit = (unit) => {
    if (unit.events.length > 0 && ++seen === n) return Promise.reject(new Error("IO Error: disk full (injected)"));
    return store.commit(unit);
  };
  return wrapped;
}

it("a commit failing in the middle of a body: E_STORE, and `stored` is what the store holds", async () => {
  path = tempStore("ndjson-commit-failure");
  running = await startServer({ store: path, port: 0, log: () => undefined, limits: { maxBody: 64 * 1024 * 1024 }, wrapStore: (s) => failEventCommit(s, 2) });
  const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ event_id: `f${i}`, event_time: i, event_type: "log", event_name: "bulk.item" }));
  const r = await fetch(`${running.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: lines.join("\n") });
  const body = (await r.json()) as { error: { code: string; message: string }; stored: number };
  expect(r.status).toBe(500);
  expect(body.error.code).toBe("E_STORE");
  expect(body.error.message).toMatch(/disk full \(injected\).*events of this request were stored before the failure/);
  const [[count]] = (await query(running.url, "SELECT count(*) FROM events")) as [[number]];
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(30_000);
  expect(body.stored).toBe(Number(count));
});
