// Issue #8 defect 3: an int counter's delta outside int64 must not be sent as asInt (it would
// arrive wrapped); it goes as asDouble. Values inside the range stay asInt, exact.
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { OtlpMapper } from "../../src/export/otlp-metrics.ts";
import type { Batch } from "../../src/wire/batch.ts";
import { decodeRequestForTest } from "./helpers/otlp-encode.ts";

function batch(seq: number, value: number): Batch {
  return {
    v: 1,
    stream: "s",
    seq,
    start: 1000 * seq,
    end: 1000 * seq + 1000,
    points: [[1, 0, value]],
    ...(seq === 1
      ? {
          open: { resource: { "service.name": "int-range" }, schemaHash: "h", sdk: { name: "percore", version: "0" }, view: "aggregate" as const },
          sets: [
            {
              name: "bytes",
              brief: "",
              schemaHash: "h",
              attributes: [],
              measures: [],
              fields: [{ name: "bytes.sent", instrument: "counter" as const, unit: "By", brief: "", valueType: "int" as const }],
            },
          ],
          series: [[1, 0, []] as const],
        }
      : {}),
  };
}

/** The single data point of the request, as the receiving end decodes it (int64 as a decimal string). */
function sentPoint(mapper: OtlpMapper, b: Batch): { asInt?: string; asDouble?: number } {
  const bytes = ProtobufMetricsSerializer.serializeRequest(mapper.toResourceMetrics(b))!;
  return decodeRequestForTest(bytes).resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0];
}

describe("OTLP int values outside int64", () => {
  it("go as asDouble, never wrapped; values inside stay asInt", () => {
    const mapper = new OtlpMapper("delta");
    expect(Number(sentPoint(mapper, batch(1, 2 ** 62)).asInt)).toBe(2 ** 62);
    const big = sentPoint(mapper, batch(2, 2 ** 64));
    expect(big.asInt).toBeUndefined();
    expect(big.asDouble).toBe(2 ** 64);
    const low = sentPoint(mapper, batch(3, -(2 ** 63) * 2));
    expect(low.asDouble).toBe(-(2 ** 64));
  });

  it("also for cumulative totals that outgrow int64", () => {
    const mapper = new OtlpMapper("cumulative");
    expect(Number(sentPoint(mapper, batch(1, 2 ** 62)).asInt)).toBe(2 ** 62);
    sentPoint(mapper, batch(2, 2 ** 62));
    const total = sentPoint(mapper, batch(3, 2 ** 62));
    expect(total.asDouble).toBe(3 * 2 ** 62);
  });
});
