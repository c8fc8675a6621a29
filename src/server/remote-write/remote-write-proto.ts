// Prometheus remote-write 1.0 bodies: snappy block compression around a protobuf `WriteRequest`.
// The message schema is the published protocol (prompb), written here as protobufjs JSON
// descriptors rather than copied .proto files; only the fields we read are declared, so unknown
// fields (for instance remote-write 2.0 additions) are skipped by the decoder. protobufjs encodes
// (tests, tools, benches); the server decodes with the direct reader in write-request-reader.ts.
import { createRequire } from "node:module";
import protobuf from "protobufjs";
import { readWriteRequest, type ReadWriteRequest, type RwLabel, type RwMetadata } from "./write-request-reader.ts";

export type { RwLabel, RwMetadata } from "./write-request-reader.ts";

const require = createRequire(import.meta.url);
// snappyjs is pure JavaScript (no native build step); it ships no types.
const snappy = require("snappyjs") as { uncompress(b: Uint8Array, maxLength?: number): Uint8Array; compress(b: Uint8Array): Uint8Array };

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: "repeated", type: "TimeSeries", id: 1 }, metadata: { rule: "repeated", type: "MetricMetadata", id: 3 } } },
        TimeSeries: {
          fields: {
            labels: { rule: "repeated", type: "Label", id: 1 },
            samples: { rule: "repeated", type: "Sample", id: 2 },
            exemplars: { rule: "repeated", type: "Exemplar", id: 3 },
            histograms: { rule: "repeated", type: "bytes", id: 4 },
          },
        },
        Label: { fields: { name: { type: "string", id: 1 }, value: { type: "string", id: 2 } } },
        Sample: { fields: { value: { type: "double", id: 1 }, timestamp: { type: "int64", id: 2 } } },
        Exemplar: { fields: { labels: { rule: "repeated", type: "Label", id: 1 }, value: { type: "double", id: 2 }, timestamp: { type: "int64", id: 3 } } },
        MetricMetadata: {
          fields: { type: { type: "int32", id: 1 }, metricFamilyName: { type: "string", id: 2 }, help: { type: "string", id: 4 }, unit: { type: "string", id: 5 } },
        },
      },
    },
  },
});
const WriteRequestType = root.lookupType("prometheus.WriteRequest");

export interface RwSample {
  value: number;
  timestamp: number;
}
export interface RwSeries {
  labels: RwLabel[];
  samples: RwSample[];
  exemplars: unknown[];
  histograms: unknown[];
}
export interface WriteRequest {
  timeseries: RwSeries[];
  metadata: RwMetadata[];
}

/** MetricMetadata.MetricType, by number. */
export const METRIC_TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"] as const;

/** Snappy-decompresses and decodes (write-request-reader.ts); throws with a message saying which step failed. */
export function decodeWriteRequest(body: Uint8Array, maxUncompressed: number): ReadWriteRequest {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, maxUncompressed);
  } catch (e) {
    throw new Error(`body is not snappy block-compressed data: ${(e as Error).message}`);
  }
  try {
    return readWriteRequest(raw);
  } catch (e) {
    throw new Error(`body is not a remote-write WriteRequest protobuf: ${(e as Error).message}`);
  }
}

/** protobufjs's decoding of the same message: the reference test/server/remote-write-reader.test.ts compares the reader with. */
export function decodeWithProtobufjs(raw: Uint8Array): WriteRequest {
  return WriteRequestType.toObject(WriteRequestType.decode(raw), { longs: Number, defaults: true, arrays: true }) as unknown as WriteRequest;
}

/** Uncompressed protobuf of a request (the reader's tests feed it raw). */
export function encodeRaw(req: {
  timeseries: { labels: RwLabel[]; samples: RwSample[]; exemplars?: unknown[]; histograms?: Uint8Array[] }[];
  metadata?: RwMetadata[];
}): Uint8Array {
  return WriteRequestType.encode(WriteRequestType.fromObject(req)).finish();
}

/** Snappy block compression (tests build malformed bodies with it). */
export const snappyCompress = (b: Uint8Array): Uint8Array => snappy.compress(b);

/** The reverse, for tests and tools that push samples. */
export function encodeWriteRequest(req: { timeseries: { labels: RwLabel[]; samples: RwSample[] }[]; metadata?: RwMetadata[] }): Uint8Array {
  return snappy.compress(encodeRaw(req));
}
