// The server's stored text of batch events (EventCatalog.readJson, built from per-event templates)
// is exactly JSON.stringify of what EventCatalog.read decodes, field order, truncated list and
// escapes included, and refuses the same rows with the same errors.
import { describe, expect, it } from "vitest";
import type { Batch, EventGroupDecl } from "../../src/wire/batch.ts";
import { EventCatalog } from "../../src/wire/event-catalog.ts";

const GROUP: EventGroupDecl = [
  0,
  {
    name: "job",
    brief: "",
    schemaHash: "h",
    attributes: [
      { name: "worker_id", type: "int", brief: "" },
      { name: "host", type: "string", brief: "" },
    ],
    events: [
      {
        name: "job.failed",
        type: "log",
        severityNumber: 17,
        severityText: "ERROR",
        brief: "",
        fields: [
          { name: "job_id", type: "int", brief: "" },
          { name: "reason", type: "enum", brief: "", values: ['time"out', "oom"] },
          { name: "retryable", type: "boolean", brief: "" },
          { name: "ratio", type: "double", brief: "" },
          { name: "message", type: "string", brief: "", maxLength: 64 },
        ],
      },
      { name: "job.tick", type: "log", severityNumber: 9, severityText: "INFO", brief: "", fields: [] },
      // Integer-like and repeated names: an object reorders or merges them; the text must follow.
      {
        name: "job.odd",
        type: "log",
        severityNumber: 9,
        severityText: "INFO",
        brief: "",
        fields: [
          { name: "b", type: "int", brief: "" },
          { name: "1", type: "int", brief: "" },
          { name: "b", type: "string", brief: "", maxLength: 8 },
        ],
      },
    ],
  },
];

const batch = (events: Batch["events"]): Pick<Batch, "stream" | "seq" | "end" | "eventGroups" | "eventSources" | "events"> => ({
  stream: "s",
  seq: 7,
  end: 1_700_000_000_000,
  eventGroups: [GROUP],
  eventSources: [
    [1, 0, [3, "h\u00e9\n"]],
    [2, 0, [0, ""]],
  ],
  events,
});

const viaObjects = (b: ReturnType<typeof batch>) =>
  new EventCatalog().read(b).map((e) => ({
    eventId: e.eventId,
    eventTime: e.eventTime,
    eventName: e.eventName,
    payload: JSON.stringify(e.truncated ? { ...e.fields, "percore.truncated": e.truncated } : e.fields),
    attributes: Object.keys(e.attributes).length > 0 ? JSON.stringify(e.attributes) : null,
  }));

const viaText = (b: ReturnType<typeof batch>) =>
  new EventCatalog().readJson(b).map((e) => ({ eventId: e.eventId, eventTime: e.eventTime, eventName: e.eventName, payload: e.payload, attributes: e.attributes }));

describe("EventCatalog.readJson", () => {
  it("gives the text JSON.stringify gives for the decoded events", () => {
    const b = batch([
      [1, 0, -5, 0, 42, 1, true, 0.25, "plain"],
      [1, 0, -4, 0b10001, -0, 0, false, -1e-7, 'quote " back \\ nl \n tab \t \u0001 \u2028 é 🙂'],
      [2, 0, 0, 0b10000, 9007199254740991, 1, true, 1e21, ""],
      [2, 1, -1, 0],
      [1, 2, -2, 0b111, 1, 2, "x"],
    ]);
    const text = viaText(b);
    expect(text).toEqual(viaObjects(b));
    expect(text[1]?.payload).toBe(
      '{"job_id":0,"reason":"time\\"out","retryable":false,"ratio":-1e-7,"message":"quote \\" back \\\\ nl \\n tab \\t \\u0001 \u2028 é 🙂","percore.truncated":["job_id","message"]}',
    );
    expect(text[4]?.payload).toBe('{"1":2,"b":"x","percore.truncated":["b","1","b"]}');
  });

  it("refuses the rows read refuses, with the same message", () => {
    const bad: Batch["events"][] = [
      [[1, 0, 0, 0, "1", 0, true, 1, "a"]],
      [[1, 0, 0, 0, 1, 5, true, 1, "a"]],
      [[1, 0, 0, 0, 1, 0, true, 1, "x".repeat(65)]],
      [[1, 0, 0, 0, 1, 0]],
      [[9, 0, 0, 0]],
    ];
    for (const events of bad) {
      const b = batch(events);
      expect(() => viaText(b)).toThrow();
      let message = "";
      try {
        viaObjects(b);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe("");
      expect(() => viaText(b)).toThrow(message);
    }
  });
});
