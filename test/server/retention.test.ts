// Retention (--retain): deleteOlderThan removes points and events stored before the cutoff, SDK
// batch events (stored as their id's numbers in event_rows) and events with their own ids alike,
// and the client ids that go with them; what is newer stays, ids included.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { PendingUnit } from "../../src/server/ingest/commit-queue.ts";
import { DuckDBStore } from "../../src/server/store/duckdb-store.ts";
import type { StoredEvent } from "../../src/server/store/store.ts";
import { tempStore } from "./helpers/server-process.ts";

const event = (time: number, eventId: string, more: Partial<StoredEvent> = {}): StoredEvent => ({
  stream: 1,
  time,
  eventTime: time,
  eventId,
  eventType: "log",
  eventName: "job.started",
  severityNumber: 9,
  severityText: "INFO",
  attributes: null,
  payload: "{}",
  ...more,
});

describe("retention", () => {
  it("deletes the events stored before the cutoff, whatever their kind of id, and keeps the rest", async () => {
    const path = tempStore("retention");
    const store = await DuckDBStore.open({ path });
    try {
      // Two commits at different times, as the server makes them (a row's time is when it was received).
      const old = new PendingUnit();
      old.streams.push({ id: 1, key: "k", kind: "batch", opened: 0 });
      const t0 = Date.now();
      old.events.push(event(t0, "old-client", { clientId: true }), event(t0, "k:1:0", { batchSeq: 1, batchIndex: 0 }));
      await store.commit(old);
      while (Date.now() <= t0 + 1) await new Promise((r) => setImmediate(r));
      const cutoff = Date.now();
      while (Date.now() <= cutoff) await new Promise((r) => setImmediate(r));
      const t1 = Date.now();
      const recent = new PendingUnit();
      recent.events.push(event(t1, "new-client", { clientId: true }), event(t1, "k:2:0", { batchSeq: 2, batchIndex: 0 }));
      await store.commit(recent);
      expect(await store.deleteOlderThan(cutoff)).toBe(2);
      const r = await store.query("SELECT event_id FROM events ORDER BY event_id");
      expect(r.rows).toEqual([["k:2:0"], ["new-client"]]);
      expect((await store.query("SELECT id FROM event_ids ORDER BY id")).rows).toEqual([["new-client"]]);
    } finally {
      await store.close();
      rmSync(dirname(path), { recursive: true, force: true });
    }
  });
});
