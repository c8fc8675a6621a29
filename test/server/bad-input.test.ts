// Bad input: each case gets a 4xx (or a WebSocket close code) with a JSON error saying what and
// where; nothing from the rejected input is stored, earlier data is intact, the server keeps serving.
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { unpack } from "msgpackr";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/wire/codec.ts";
import { msgpack as packr } from "../../src/wire/msgpack.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, waitFor, type ServerProcess } from "./helpers/server-process.ts";

const execFileAsync = promisify(execFile);
const encode = (v: unknown): Uint8Array => packr.pack(v);
let server: ServerProcess;
let baseline: unknown[];
const snapshot = async () =>
  (
    await query(
      server.url,
      "SELECT (SELECT count(*) FROM all_points), (SELECT sum(value) FROM all_points), (SELECT count(*) FROM events), (SELECT count(*) FROM batches), (SELECT count(*) FROM instances)",
    )
  )[0];

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("bad"), args: ["--max-body", "1MiB", "--event-fields", "optional"] });
  for (let seq = 1; seq <= 3; seq++) expect((await post(server.url, batch("good", seq, seq))).status).toBe(200);
  const ev = await fetch(`${server.url}/v1/events`, { method: "POST", body: '{"event_id":"x1","n":1}\n' });
  expect(ev.status).toBe(200);
  baseline = await snapshot();
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

async function expectIntact(): Promise<void> {
  expect(await snapshot()).toEqual(baseline);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

const valid = encodeBatch(batch("other", 1, 1));
const deepArray = (depth: number): Uint8Array => {
  // msgpack fixarray of one element, nested `depth` times, around a 1.
  const b = new Uint8Array(depth + 1).fill(0x91);
  b[depth] = 0x01;
  return b;
};
/** A batch map whose `points` is an array nested `depth` deep (hand-encoded: no encoder recurses that far). */
function deepBatch(depth: number): Uint8Array {
  const head = encode({ v: 1, stream: "x", seq: 1, start: 0, end: 1 });
  // head is a fixmap of 5 entries (0x85); make it 6 and append the key "points" and the deep value.
  const out = Buffer.concat([Buffer.from([0x86]), head.subarray(1), encode("points"), deepArray(depth)]);
  return out;
}
const withPoints = (points: unknown[], extra: Record<string, unknown> = {}) => encode({ ...batch("good", 4, 1), points, ...extra });

const httpCases: [string, Uint8Array, number, string, string?][] = [
  ["malformed msgpack (unknown extension)", Uint8Array.from([0xd4, 0x05, 0x01]), 400, "E_BAD_MSGPACK"],
  ["not msgpack at all", Buffer.from("hello, this is text"), 400, "E_BAD_MSGPACK"],
  ["reserved msgpack byte 0xc1", Uint8Array.from([0xc1]), 400, "E_BAD_BATCH", "$"],
  ["truncated batch", valid.subarray(0, valid.length - 7), 400, "E_TRUNCATED"],
  ["empty body", new Uint8Array(0), 400, "E_TRUNCATED"],
  ["unknown protocol version", encode({ ...batch("other", 1), v: 2 }), 400, "E_UNKNOWN_VERSION", "v"],
  ["unknown series id", withPoints([[99, 0, 1]]), 422, "E_UNKNOWN_SERIES", "points[0][0]"],
  ["unknown field key", withPoints([[0, 999, 1]]), 422, "E_UNKNOWN_FIELD", "points[0][1]"],
  ["histogram value of the wrong shape", withPoints([[0, 1, 5]]), 422, "E_BAD_VALUE", "points[0][2]"],
  [
    "non-finite value",
    withPoints([
      [0, 0, 1],
      [1, 0, "x"],
    ]),
    422,
    "E_BAD_VALUE",
    "points[1][2]",
  ],
  ["series of an unknown set", withPoints([], { series: [[7, 5, ["z"]]] }), 422, "E_UNKNOWN_SET", "series[0][1]"],
  ["stream never opened", encode({ ...batch("never-opened", 2) }), 409, "E_UNKNOWN_STREAM"],
  ["huge stream id", encode({ ...batch("other", 1), stream: "s".repeat(100_000) }), 400, "E_TOO_LONG", "stream"],
  ["huge attribute value", encode({ ...batch("other", 1), series: [[0, 0, ["v".repeat(50_000)]]] }), 400, "E_TOO_LONG", "series[0][2][0]"],
  ["deep nesting", deepBatch(200_000), 400, "E_TOO_DEEP"],
  ["body over --max-body", new Uint8Array(2 * 1024 * 1024), 413, "E_TOO_BIG"],
  ["an interval that starts after it ends", encode({ ...batch("other", 1), start: 200, end: 100 }), 400, "E_BAD_BATCH", "start"],
  ["a negative counter delta", withPoints([[0, 0, -1]]), 422, "E_BAD_VALUE", "points[0][2]"],
  ["a fractional value on an int counter", withPoints([[0, 0, 1.5]]), 422, "E_BAD_VALUE", "points[0][2]"],
  ["a fractional value on an int gauge", withPoints([[0, 2, 2.5]]), 422, "E_BAD_VALUE", "points[0][2]"],
  ["a negative histogram bucket count", withPoints([[0, 1, [1, 1, -1, 0, 0]]]), 422, "E_BAD_VALUE", "points[0][2][2]"],
  ["a fractional histogram bucket count", withPoints([[0, 1, [1, 0.5, 0, 0, 0]]]), 422, "E_BAD_VALUE", "points[0][2][1]"],
];

describe("bad batches over HTTP", () => {
  for (const [name, body, status, code, where] of httpCases) {
    it(`${name}: ${status} ${code}`, async () => {
      const r = await post(server.url, body);
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      expect(typeof r.body.error.message).toBe("string");
      if (where) expect(r.body.error.where).toBe(where);
      await expectIntact();
    });
  }

  it("a wrong content type: 415", async () => {
    const r = await post(server.url, valid, { "content-type": "application/json" });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe("E_BAD_CONTENT_TYPE");
    await expectIntact();
  });
});

describe('OTLP/JSON times outside 1970..2262 (they used to wrap: 1e23 was stored as 1976, "1.5e18" as 1970)', () => {
  const request = (time: unknown) => ({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "otlp-times" } }] },
        scopeMetrics: [{ metrics: [{ name: "t.gauge", gauge: { dataPoints: [{ timeUnixNano: time, asDouble: 1 }] } }] }],
      },
    ],
  });
  const postOtlp = (time: unknown) =>
    fetch(`${server.url}/v1/metrics`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request(time)) });
  for (const time of [1e23, "1.5e18", "-5", "18446744073709551615", 1.5]) {
    it(`${JSON.stringify(time)}: 400 naming the field`, async () => {
      const res = await postOtlp(time);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("E_BAD_JSON");
      expect(body.error.message).toContain("resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano");
      expect(body.error.message).toMatch(/is not a time between 1970 and 2262/);
      await expectIntact();
    });
  }
});

describe("bad events over HTTP", () => {
  const cases: [string, string, number, string, string][] = [
    // Since #11 each line is judged alone (a good line beside a bad one is stored:
    // events-ndjson.test.ts); a body of bad lines only is refused whole.
    ["a line that is an array", "[1,2]\n", 400, "E_NOT_OBJECT", "line 1"],
    ["a line that is a number", "\n42\n", 400, "E_NOT_OBJECT", "line 2"],
    ["a line that is a string", '"just text"', 400, "E_NOT_OBJECT", "line 1"],
    ["a line that is not JSON", '{"broken":\n', 400, "E_BAD_JSON", "line 1"],
    ["deep nesting", `{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}`, 400, "E_TOO_DEEP", "line 1"],
    ["a huge event_type", JSON.stringify({ event_type: "t".repeat(100_000) }), 400, "E_TOO_LONG", "line 1"],
    ["a bad event_time", JSON.stringify({ event_time: "yesterday-ish" }), 422, "E_BAD_VALUE", "line 1"],
  ];
  for (const [name, body, status, code, where] of cases) {
    it(`${name}: ${status} ${code} at ${where}, nothing of the request stored`, async () => {
      const res = await fetch(`${server.url}/v1/events`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
      const json = (await res.json()) as { error: { code: string; where: string; message: string } };
      expect(res.status).toBe(status);
      expect(json.error.code).toBe(code);
      expect(json.error.where).toBe(where);
      await expectIntact();
    });
  }

  it("a body over --max-body: 413", async () => {
    const res = await fetch(`${server.url}/v1/events`, { method: "POST", body: `{"a":"${"x".repeat(2 * 1024 * 1024)}"}` });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("E_TOO_BIG");
    await expectIntact();
  });
});

describe("a body over --max-body reaches curl as a 413 with its JSON error (issue #10: the client got EPIPE)", () => {
  const big = join(dirname(tempStore("big-body")), "big.bin");
  beforeAll(() => writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 0x20)));
  afterAll(() => rmSync(dirname(big), { recursive: true, force: true }));
  const cases: [string, string, boolean][] = [
    ["/v1/batches", "application/msgpack", true],
    ["/v1/batches", "application/msgpack", false],
    ["/v1/events", "application/x-ndjson", true],
    ["/v1/events", "application/x-ndjson", false],
  ];
  for (const [path, type, expect100] of cases) {
    it(`${path}, ${expect100 ? "with Expect: 100-continue (refused before the body is sent)" : "without Expect (the body is read and discarded)"}`, async () => {
      const args = [
        "-sS",
        "-w",
        "\\n%{http_code}",
        "--data-binary",
        `@${big}`,
        "-H",
        `content-type: ${type}`,
        ...(expect100 ? [] : ["-H", "Expect:"]),
        `${server.url}${path}`,
      ];
      const { stdout } = await execFileAsync("curl", args);
      const lines = stdout.trim().split("\n");
      expect(lines.at(-1)).toBe("413");
      expect(JSON.parse(lines.slice(0, -1).join("\n")).error.code).toBe("E_TOO_BIG");
      await expectIntact();
    });
  }
});

it("a client still sending after the 413 can finish its body, and the connection stays usable", async () => {
  const socket = connect(server.port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  let received = "";
  const writeErrors: unknown[] = [];
  socket.on("error", (e) => writeErrors.push(e));
  socket.on("data", (d: Buffer) => (received += d.toString()));
  const length = 2 * 1024 * 1024;
  const half = Buffer.alloc(length / 2, 0x20);
  socket.write(`POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: ${length}\r\n\r\n`);
  socket.write(half);
  await waitFor(() => received.includes("E_TOO_BIG"), "the 413");
  expect(received).toMatch(/^HTTP\/1\.1 413 /);
  // The rest of the body, then a second request on the same connection.
  received = "";
  socket.write(half);
  socket.write("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
  await waitFor(() => received.includes('{"ok":true}') || writeErrors.length > 0 || socket.destroyed, "the second reply or an error");
  expect(writeErrors).toEqual([]);
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  socket.destroy();
  await expectIntact();
});

it("Expect: 100-continue with a declared body over --max-body: 413 instead of 100 Continue", async () => {
  const socket = connect(server.port, "127.0.0.1");
  let received = "";
  socket.on("data", (d: Buffer) => (received += d.toString()));
  socket.write(`POST /v1/batches HTTP/1.1\r\nhost: x\r\ncontent-type: application/msgpack\r\ncontent-length: ${2 * 1024 * 1024}\r\nexpect: 100-continue\r\n\r\n`);
  await waitFor(() => received.includes("\r\n\r\n"), "a reply to the headers");
  expect(received).toMatch(/^HTTP\/1\.1 413 /);
  socket.destroy();
});

function wsExchange(send: (ws: WebSocket) => void): Promise<{ code: number; reason: string; frames: unknown[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws");
    const frames: unknown[] = [];
    ws.on("open", () => send(ws));
    ws.on("message", (d: Buffer, binary) => frames.push(binary ? unpack(d) : JSON.parse(d.toString())));
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString(), frames }));
    ws.on("error", reject);
  });
}

describe("bad input over WebSocket", () => {
  it("malformed msgpack: an error frame, then close 1007 with the code in the reason", async () => {
    const r = await wsExchange((ws) => ws.send(Uint8Array.from([0xd4, 0x05, 0x01])));
    expect(r.code).toBe(1007);
    expect(JSON.parse(r.reason).code).toBe("E_BAD_MSGPACK");
    expect((r.frames[0] as { error: { code: string } }).error.code).toBe("E_BAD_MSGPACK");
    await expectIntact();
  });

  it("unknown series: close 1007 with where", async () => {
    const r = await wsExchange((ws) => ws.send(withPoints([[42, 0, 1]])));
    expect(r.code).toBe(1007);
    expect(JSON.parse(r.reason)).toEqual({ code: "E_UNKNOWN_SERIES", where: "points[0][0]" });
    await expectIntact();
  });

  it("a text frame that is not an object: JSON error frame, close 1007", async () => {
    const r = await wsExchange((ws) => ws.send("[1,2,3]"));
    expect(r.code).toBe(1007);
    expect(r.frames[0]).toEqual({ error: { code: "E_NOT_OBJECT", message: "each event must be a JSON object", where: "frame" } });
    await expectIntact();
  });

  it("a message over --max-body: close 1009", async () => {
    const r = await wsExchange((ws) => ws.send(new Uint8Array(2 * 1024 * 1024)));
    expect(r.code).toBe(1009);
    await expectIntact();
  });
});

describe("after all that", () => {
  it("the server still accepts valid input and earlier data is unchanged", async () => {
    await expectIntact();
    const r = await post(server.url, batch("good", 4, 4));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq: 4, stored: 12 });
    expect((await query(server.url, "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'"))[0][0]).toBe(2 * (1 + 2 + 3 + 4));
  });
});
