// Events inside batches, hand-built, against the real server: stored with their ids, a resent
// batch stores nothing twice, and rows that do not match their declarations are refused whole
// (never stored as garbage), each with a code and where. Event times travel as offsets from the
// batch end (batch(stream, seq) ends at 1_700_000_000_000 + seq * 10).
import { afterAll, describe, expect, it } from "vitest";
import type { Batch, EventGroupDecl } from "../../src/wire/batch.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, scalar, serverPool } from "./helpers/server-process.ts";

const pool = serverPool();
afterAll(pool.cleanup);

const GROUP: EventGroupDecl = [
  0,
  {
    name: "job",
    brief: "",
    schemaHash: "h",
    attributes: [{ name: "worker_id", type: "int", brief: "" }],
    events: [
      {
        name: "job.failed",
        type: "log",
        severityNumber: 17,
        severityText: "ERROR",
        brief: "",
        fields: [
          { name: "job_id", type: "int", brief: "" },
          { name: "reason", type: "enum", brief: "", values: ["timeout", "oom"] },
          { name: "message", type: "string", brief: "", maxLength: 8 },
        ],
      },
    ],
  },
];

const withEvents = (stream: string, seq: number, events: Batch["events"], declare = seq === 1): Batch =>
  batch(stream, seq, 1, { ...(declare ? { eventGroups: [GROUP], eventSources: [[5, 0, [3]]] } : {}), events });

describe("events in batches", () => {
  it("are stored with event_id <stream>:<seq>:<index>, fields by name, attributes; a resend stores nothing twice", async () => {
    const server = await pool.start("batch-events");
    const first = withEvents("s1", 1, [
      [5, 0, 113, 0, 1, 1, "disk"],
      [5, 0, 114, 4, 2, 0, "cut off"],
    ]);
    expect((await post(server.url, first)).status).toBe(200);
    expect((await post(server.url, first)).status).toBe(200);
    expect((await post(server.url, withEvents("s1", 2, [[5, 0, 180, 0, 3, 0, "x"]]))).status).toBe(200);
    const rows = await query(
      server.url,
      "SELECT event_id, event_name, severity_number, severity_text, attributes, payload, epoch_ms(event_time) FROM events ORDER BY event_id",
    );
    expect(rows).toEqual([
      ["s1:1:0", "job.failed", 17, "ERROR", '{"worker_id":3}', '{"job_id":1,"reason":"oom","message":"disk"}', 1_700_000_000_123],
      ["s1:1:1", "job.failed", 17, "ERROR", '{"worker_id":3}', '{"job_id":2,"reason":"timeout","message":"cut off","percore.truncated":["message"]}', 1_700_000_000_124],
      ["s1:2:0", "job.failed", 17, "ERROR", '{"worker_id":3}', '{"job_id":3,"reason":"timeout","message":"x"}', 1_700_000_000_200],
    ]);
    // Stored as the id's numbers (event_rows), put back together by the events view.
    expect(await query(server.url, "SELECT event_id, batch_seq, batch_index FROM event_rows ORDER BY batch_seq, batch_index")).toEqual([
      [null, 1, 0],
      [null, 1, 1],
      [null, 2, 0],
    ]);
    expect(await query(server.url, "SELECT count(*) FROM events WHERE event_id = 's1:1:1'")).toEqual([[1]]);
  });

  it("refuses a batch whose events do not match their declarations, and stores none of it", async () => {
    const server = await pool.start("batch-events-bad");
    const cases: [Batch["events"], string, RegExp][] = [
      [[[5, 0, 1, 0, "1", 0, "a"]], "E_BAD_EVENTS", /field job_id of job\.failed: expected an integer/],
      [[[5, 0, 1, 0, 1, 7, "a"]], "E_BAD_EVENTS", /field reason of job\.failed: expected an index into its 2 values/],
      [[[5, 0, 1, 0, 1, 0, "longer than eight"]], "E_BAD_EVENTS", /expected a string of at most 8 bytes/],
      [[[5, 0, 1, 0, 1, 0]], "E_BAD_EVENTS", /job\.failed has 3 fields, the row carries 2/],
      [[[5, 3, 1, 0, 1, 0, "a"]], "E_BAD_EVENTS", /event 3 is not in group job/],
      [[[9, 0, 1, 0, 1, 0, "a"]], "E_UNKNOWN_EVENT_SOURCE", /event source 9, which the stream has not declared/],
    ];
    let n = 0;
    for (const [events, code, message] of cases) {
      const r = await post(server.url, withEvents(`bad-${n++}`, 1, events));
      expect(r.body.error.code, JSON.stringify(events)).toBe(code);
      expect(r.body.error.message).toMatch(message);
      expect(r.body.error.where).toBe("events");
    }
    expect(await scalar(server.url, "SELECT count(*) FROM events")).toBe(0);
    expect(await scalar(server.url, "SELECT count(*) FROM batches")).toBe(0);
  });
});
