// The exporter's bounded buffer: drop oldest beyond the bound, but keep declarations so later
// batches stay decodable; the drop count is reported through the SDK's own counter.
import { describe, expect, it } from "vitest";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { UnackedBuffer, type Entry } from "../../src/export/unacked-buffer.ts";
import { SDK_DROPPED } from "../../src/runtime/sdk-metrics.ts";
import { threadRegistry } from "../../src/runtime/thread-registry.ts";
import { decodeBatch, encodeBatch } from "../../src/wire/codec.ts";
import { batch, exportBatch } from "./helpers/batches.ts";

const entry = (seq: number, items = 1): Entry => {
  const b = batch("s", seq, items);
  return { stream: "s", seq, batch: b, bytes: encodeBatch(b), setsThrough: 1, seriesThrough: 2, stripped: false };
};

describe("UnackedBuffer", () => {
  it("drops the oldest point batches beyond the bound and keeps the opener's declarations", () => {
    const one = entry(2).bytes.byteLength;
    const buffer = new UnackedBuffer(entry(1).bytes.byteLength + 3 * one);
    let dropped = 0;
    for (let seq = 1; seq <= 10; seq++) dropped += buffer.push(entry(seq));
    expect(buffer.bytes).toBeLessThanOrEqual(entry(1).bytes.byteLength + 3 * one);
    const seqs = buffer.entries.map((e) => e.seq);
    // The opener stays (stripped of its points); the newest batches remain.
    expect(seqs[0]).toBe(1);
    expect(seqs.slice(-3)).toEqual([8, 9, 10]);
    const opener = decodeBatch(buffer.entries[0].bytes);
    expect(opener.open).toBeDefined();
    expect(opener.sets).toHaveLength(1);
    expect(opener.series).toHaveLength(2);
    expect(opener.points).toEqual([]);
    expect(dropped).toBe(10 - (seqs.length - 1));
  });

  it("acks remove everything at or below the acknowledged sequence", () => {
    const buffer = new UnackedBuffer(1 << 20);
    for (let seq = 1; seq <= 5; seq++) buffer.push(entry(seq));
    expect(buffer.ack("s", 3)).toBe(3);
    expect(buffer.entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(buffer.ack("other", 10)).toBe(0);
  });

  it("the exporter counts its drops in percore.sdk.export.dropped.batches", () => {
    const counters = threadRegistry().sdkCounters();
    const before = counters[SDK_DROPPED];
    // Nothing listens on port 9; the batches stay unacknowledged and the bound forces drops.
    const e = new ServerExporter({ url: "http://127.0.0.1:9", maxBufferBytes: 200, timeoutMs: 10, backoffMs: { initial: 60_000, max: 60_000 } });
    for (let seq = 1; seq <= 20; seq++) e.export(exportBatch(batch("d", seq)));
    expect(e.dropped).toBeGreaterThan(0);
    expect(counters[SDK_DROPPED] - before).toBe(e.dropped);
    void e.shutdown();
  });
});
