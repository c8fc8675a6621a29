// The direct WriteRequest reader (src/server/remote-write/write-request-reader.ts) against
// protobufjs, the decoder it replaced, on the same bytes: generated requests (odd labels, NaN and
// stale-marker bits, negative and beyond-2^53 timestamps, exemplars, native histograms, metadata),
// unknown fields and groups, and every truncation of a request (both fail, or both agree).
import { describe, expect, it } from "vitest";
import { decodeWithProtobufjs, encodeRaw, type RwLabel, type RwMetadata } from "../../src/server/remote-write/remote-write-proto.ts";
import { readWriteRequest } from "../../src/server/remote-write/write-request-reader.ts";
import { rng, STALE_NAN } from "../promql/helpers/generator.ts";

const STRINGS = ["", "__name__", "job", "route", "/api/v1/x", "ünïcödé", "\ufeffbom", "emoji 📈", "x".repeat(65), "ä".repeat(40), "a\u0000b"];
const VALUES = [0, -0, 1.5, -2, 1e308, Number.MIN_VALUE, Infinity, -Infinity, NaN, STALE_NAN];
const TIMES = [0, 1, -1, 1_750_000_000_000, -1_750_000_000_000, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 60), 2 ** 62];

function generate(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const timeseries = Array.from({ length: Math.floor(r() * 6) }, () => ({
    labels: Array.from({ length: Math.floor(r() * 5) }, (): RwLabel => ({ name: pick(STRINGS), value: pick(STRINGS) })),
    samples: Array.from({ length: Math.floor(r() * 6) }, () => ({ value: pick(VALUES), timestamp: pick(TIMES) })),
    exemplars: Array.from({ length: Math.floor(r() * 2) }, () => ({ labels: [{ name: "trace_id", value: pick(STRINGS) }], value: pick(VALUES), timestamp: pick(TIMES) })),
    histograms: r() < 0.2 ? [new Uint8Array([8, 1])] : [],
  }));
  const metadata = Array.from(
    { length: Math.floor(r() * 3) },
    (): RwMetadata => ({ type: Math.floor(r() * 8), metricFamilyName: pick(STRINGS), help: pick(STRINGS), unit: pick(STRINGS) }),
  );
  return { timeseries, metadata };
}

/** Both decoders' answers in one shape; doubles compared by their bits (NaN payloads matter: stale markers). */
const bits = (v: number): string => new BigUint64Array(new Float64Array([v]).buffer)[0].toString(16);

function viaReader(raw: Uint8Array) {
  const d = readWriteRequest(raw);
  return {
    series: d.series.map((s) => ({
      labels: s.labels,
      samples: Array.from({ length: s.end - s.start }, (_, i) => [bits(d.values[s.start + i]), d.times[s.start + i]]),
      exemplars: s.exemplars,
      histograms: s.histograms,
    })),
    metadata: d.metadata,
  };
}

function viaProtobufjs(raw: Uint8Array) {
  const d = decodeWithProtobufjs(raw);
  return {
    series: d.timeseries.map((s) => ({
      labels: s.labels,
      samples: s.samples.map((x) => [bits(x.value), x.timestamp]),
      exemplars: s.exemplars.length,
      histograms: s.histograms.length,
    })),
    metadata: d.metadata,
  };
}

const outcome = (decode: () => unknown): unknown => {
  try {
    return { ok: decode() };
  } catch {
    return "error";
  }
};

const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

describe("remote-write WriteRequest reader", () => {
  it("decodes 300 generated requests exactly as protobufjs does", () => {
    let samples = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const raw = encodeRaw(generate(seed));
      const read = viaReader(raw);
      expect(read, `seed ${seed}`).toEqual(viaProtobufjs(raw));
      for (const s of read.series) samples += s.samples.length;
    }
    expect(samples).toBeGreaterThan(1000);
  });

  it("skips unknown fields (varint, fixed, bytes, group) at every level, as protobufjs does", () => {
    const series = encodeRaw({ timeseries: [{ labels: [{ name: "__name__", value: "up" }], samples: [{ value: 1, timestamp: 5 }] }] });
    const unknown = [
      15 << 3,
      0x96,
      0x01,
      (14 << 3) | 1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      (13 << 3) | 2,
      2,
      0xab,
      0xcd,
      (12 << 3) | 5,
      1,
      2,
      3,
      4,
      (11 << 3) | 3,
      8,
      1,
      (11 << 3) | 4,
    ];
    // The same request with unknown fields before and after it at the top level (messages concatenate).
    const raw = concat(unknown, series, unknown);
    expect(viaReader(raw)).toEqual(viaProtobufjs(raw));
    expect(viaReader(raw).series).toHaveLength(1);
    // And inside a TimeSeries: field 1 of the request, holding the series' bytes plus the unknown ones.
    const inner = concat(series.subarray(2), unknown);
    const nested = concat([0x0a, inner.length], inner);
    expect(viaReader(nested)).toEqual(viaProtobufjs(nested));
    expect(viaReader(nested).series[0].labels).toEqual([{ name: "__name__", value: "up" }]);
  });

  it("every truncation of a request: both decoders fail, or both give the same answer", () => {
    // Concatenated requests are one request (repeated fields append): several generated ones.
    const raw = concat(...[1, 2, 3, 4, 5, 6].map((seed) => encodeRaw(generate(seed))));
    expect(raw.length).toBeGreaterThan(500);
    for (let n = 0; n < raw.length; n++) {
      const cut = raw.subarray(0, n);
      expect(
        outcome(() => viaReader(cut)),
        `first ${n} bytes`,
      ).toEqual(outcome(() => viaProtobufjs(cut)));
    }
  });

  it("refuses a known field with the wrong wire type and a length past the end", () => {
    expect(() => readWriteRequest(Uint8Array.from([(1 << 3) | 0, 1]))).toThrow(/WriteRequest\.timeseries has wire type 0, expected 2/);
    expect(() => readWriteRequest(Uint8Array.from([0x0a, 5, 1]))).toThrow(/index out of range/);
  });
});
