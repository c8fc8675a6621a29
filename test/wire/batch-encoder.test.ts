// The hand-written points encoder must produce standard msgpack that decodes to exactly the values
// written, at every width boundary, and a whole batch must decode like the generic encoder's.
import { describe, expect, it } from "vitest";
import { BatchEncoder } from "../../src/wire/batch-encoder.ts";
import { decodeBatch, encodeBatch } from "../../src/wire/codec.ts";
import { MsgpackWriter } from "../../src/wire/msgpack-writer.ts";
import type { Batch } from "../../src/wire/batch.ts";

const EDGES = [
  0,
  1,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53) + 1,
  0.5,
  -0.25,
  1.1,
  1e300,
  -1e-300,
  3.4028234663852886e38,
  Number.MIN_VALUE,
  -0,
];

describe("MsgpackWriter", () => {
  it("round-trips numbers at every width boundary", () => {
    const w = new MsgpackWriter(8); // tiny: forces the buffer to grow
    const at = w.beginArray();
    for (const v of EDGES) w.number(v);
    w.endArray(at, EDGES.length);
    const decoded = decodeBatch(w.bytes()) as unknown as number[];
    expect(decoded).toEqual(EDGES.map((v) => (Object.is(v, -0) ? 0 : v)));
  });

  it("shrinks reserved array headers to the shortest form", () => {
    for (const n of [0, 1, 15, 16, 300, 70000]) {
      const w = new MsgpackWriter();
      const at = w.beginArray();
      for (let i = 0; i < n; i++) w.number(i % 100);
      w.endArray(at, n);
      const header = n < 16 ? 1 : n < 65536 ? 3 : 5;
      expect(w.pos).toBe(header + n);
      expect((decodeBatch(w.bytes()) as unknown as number[]).length).toBe(n);
    }
  });

  it("encodes a batch that decodes exactly like the generic encoder's", () => {
    const batch: Batch = {
      v: 1,
      stream: "2f1b7c1e-5b7a-4c55-9a56-3f1f3f1f3f1f",
      seq: 7,
      start: 1_763_900_000_123,
      end: 1_763_900_001_456,
      open: { resource: { "service.name": "x", "process.pid": 12 }, schemaHash: "abc", sdk: { name: "percore", version: "0.1.0" }, view: "aggregate" },
      series: [
        [1, 0, ["a", 2, true]],
        [2, 0, null],
      ],
      points: [
        [1, 0, 5, 3, [1.5, 1, 0, 2]],
        [2, 1, -3, 4, [2, 9.25, 1, 8.25]],
      ],
    };
    const points = new MsgpackWriter();
    const at = points.beginArray();
    for (const row of batch.points) {
      const r = points.beginArray();
      for (const v of row) {
        if (typeof v === "number") points.number(v);
        else {
          points.arrayHeader(v.length);
          for (const x of v) points.number(x);
        }
      }
      points.endArray(r, row.length);
    }
    points.endArray(at, batch.points.length);
    const { points: _ignored, ...header } = batch;
    const ours = new BatchEncoder().encode(header, points.written());
    expect(decodeBatch(ours)).toEqual(decodeBatch(encodeBatch(batch)));
    expect(decodeBatch(ours)).toEqual(batch);
  });
});
