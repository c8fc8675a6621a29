// Prometheus remote-write 1.0 bodies: snappy block compression around a protobuf `WriteRequest`.
// The message schema is the published protocol (prompb), written here as protobufjs JSON
// descriptors rather than copied .proto files; only the fields we read are declared, so unknown
// fields (for instance remote-write 2.0 additions) are skipped by the decoder.
import { createRequire } from "node:module";
import protobuf from "protobufjs";

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
const TimeSeriesType = root.lookupType("prometheus.TimeSeries");
const MetadataType = root.lookupType("prometheus.MetricMetadata");
/** Wire tags (field number, length-delimited) of WriteRequest's repeated fields. */
const TIMESERIES_TAG = (WriteRequestType.fields.timeseries.id << 3) | 2;
const METADATA_TAG = (WriteRequestType.fields.metadata.id << 3) | 2;

export interface RwLabel {
  name: string;
  value: string;
}
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
export interface RwMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}
export interface WriteRequest {
  timeseries: RwSeries[];
  metadata: RwMetadata[];
}

/** MetricMetadata.MetricType, by number. */
export const METRIC_TYPES = ["unknown", "counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset"] as const;

/** Snappy-decompresses and decodes; throws with a message saying which step failed. */
export function decodeWriteRequest(body: Uint8Array, maxUncompressed: number): WriteRequest {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, maxUncompressed);
  } catch (e) {
    throw new Error(`body is not snappy block-compressed data: ${(e as Error).message}`);
  }
  let msg;
  try {
    msg = WriteRequestType.decode(raw);
  } catch (e) {
    throw new Error(`body is not a remote-write WriteRequest protobuf: ${(e as Error).message}`);
  }
  return WriteRequestType.toObject(msg, { longs: Number, defaults: true, arrays: true }) as unknown as WriteRequest;
}

/** Snappy block compression (tests build malformed bodies with it). */
export const snappyCompress = (b: Uint8Array): Uint8Array => snappy.compress(b);

/**
 * The reverse: remote-write forwarding's requests, and tests and tools that push samples. The
 * plain objects already have the message's shape, so they are encoded as they are (fromObject
 * would copy every sample first).
 */
export function encodeWriteRequest(req: { timeseries: { labels: RwLabel[]; samples: RwSample[] }[]; metadata?: RwMetadata[] }): Uint8Array {
  return snappy.compress(WriteRequestType.encode(req).finish());
}

/** A series' labels as the bytes of a TimeSeries holding only them: encoded once, sent with every request. */
export function encodeLabels(labels: readonly RwLabel[]): Uint8Array {
  return TimeSeriesType.encode({ labels }).finish();
}

/**
 * The same WriteRequest as encodeWriteRequest, for series whose labels were encoded before
 * (encodeLabels): a protobuf message's fields may come in any order and parts, so a TimeSeries is
 * its cached labels followed by its samples encoded now. Snappy-compressed.
 */
export function encodeWriteRequestWithLabels(series: readonly { labelBytes: Uint8Array; samples: RwSample[] }[], metadata: readonly RwMetadata[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const s of series) {
    const samples = TimeSeriesType.encode({ samples: s.samples }).finish();
    const ts = new Uint8Array(s.labelBytes.length + samples.length);
    ts.set(s.labelBytes, 0);
    ts.set(samples, s.labelBytes.length);
    w.uint32(TIMESERIES_TAG).bytes(ts);
  }
  for (const m of metadata) w.uint32(METADATA_TAG).bytes(MetadataType.encode(m).finish());
  return snappy.compress(w.finish());
}
