// The forwarder's request bytes (labels encoded once, samples in flat runs written per request)
// decode with the remote-write receiver's own decoder into exactly the request that was meant.
import { describe, expect, it } from "vitest";
import { decodeWriteRequest, encodeLabels, encodeSampleRuns } from "../../src/server/remote-write/remote-write-proto.ts";

describe("remote-write request encoding with cached labels and sample runs", () => {
  it("round-trips labels, interleaved sample runs (any value, timestamps of every varint length) and metadata", () => {
    const series = [
      {
        labels: [
          { name: "__name__", value: "a_total" },
          { name: "job", value: "svc ü" },
        ],
        samples: [
          { value: 1.5, timestamp: 1 },
          { value: -0, timestamp: 127 },
          { value: 1e300, timestamp: 128 },
        ],
      },
      {
        labels: [{ name: "__name__", value: "b" }],
        samples: [
          { value: NaN, timestamp: 1_764_000_000_123 },
          { value: Infinity, timestamp: 2 ** 52 },
        ],
      },
    ];
    // The runs interleave, as a span's rows do: a0 b0 a1 b1 a2.
    const order: [number, number][] = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 2],
    ];
    const values = new Float64Array(order.length),
      times = new Float64Array(order.length),
      next = new Int32Array(order.length).fill(-1);
    const first = [-1, -1],
      last = [-1, -1];
    order.forEach(([s, j], k) => {
      values[k] = series[s].samples[j].value;
      times[k] = series[s].samples[j].timestamp;
      if (last[s] >= 0) next[last[s]] = k;
      else first[s] = k;
      last[s] = k;
    });
    const metadata = [{ type: 1, metricFamilyName: "a_total", help: "A counter", unit: "" }];
    const body = encodeSampleRuns(
      series.map((s, i) => ({ labelBytes: encodeLabels(s.labels), first: first[i] })),
      { values, times, next },
      metadata,
    );
    const back = decodeWriteRequest(body, 1 << 20);
    const decoded = back.series.map((t) => ({
      labels: t.labels,
      samples: Array.from({ length: t.end - t.start }, (_, j) => ({ value: back.values[t.start + j], timestamp: back.times[t.start + j] })),
    }));
    expect(decoded).toEqual(series);
    expect(back.metadata).toEqual(metadata);
  });
});
