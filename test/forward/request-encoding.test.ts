// The forwarder's request bytes (labels encoded once, samples written per request) decode with
// the remote-write receiver's own decoder into exactly the request that was meant.
import { describe, expect, it } from "vitest";
import { decodeWriteRequest, encodeLabels, encodeWriteRequestWithLabels } from "../../src/server/remote-write/remote-write-proto.ts";

describe("remote-write request encoding with cached labels", () => {
  it("round-trips labels, samples (any value, timestamps of every varint length) and metadata", () => {
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
      {
        labels: [
          { name: "__name__", value: "c" },
          { name: "le", value: "+Inf" },
        ],
        samples: [],
      },
    ];
    const metadata = [{ type: 1, metricFamilyName: "a_total", help: "A counter", unit: "" }];
    const body = encodeWriteRequestWithLabels(
      series.map((s) => ({ labelBytes: encodeLabels(s.labels), samples: s.samples })),
      metadata,
    );
    const back = decodeWriteRequest(body, 1 << 20);
    expect(back.timeseries.map((t) => ({ labels: t.labels, samples: t.samples }))).toEqual(series);
    expect(back.metadata).toEqual(metadata);
  });
});
