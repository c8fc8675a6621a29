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
const TimeSeriesType = root.lookupType("prometheus.TimeSeries");
const MetadataType = root.lookupType("prometheus.MetricMetadata");
/** Wire tags (field number, length-delimited) of WriteRequest's repeated fields. */
const TIMESERIES_TAG = (WriteRequestType.fields.timeseries.id << 3) | 2;
const METADATA_TAG = (WriteRequestType.fields.metadata.id << 3) | 2;

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

/** The reverse, for tests and tools that push samples (forwarding builds its requests with encodeSampleRuns). */
export function encodeWriteRequest(req: { timeseries: { labels: RwLabel[]; samples: RwSample[] }[]; metadata?: RwMetadata[] }): Uint8Array {
  return snappy.compress(encodeRaw(req));
}

/**
 * A series' labels as the bytes of a TimeSeries holding only them: encoded once, sent with every
 * request. Written directly (the bytes protobufjs writes: each Label with both fields, in order),
 * because a forwarder meets hundreds of thousands of new series at once.
 */
export function encodeLabels(labels: readonly RwLabel[]): Uint8Array {
  let size = 0;
  for (const l of labels) {
    const n = utf8Length(l.name),
      v = utf8Length(l.value);
    const body = 2 + varintSize(n) + n + varintSize(v) + v;
    size += 1 + varintSize(body) + body;
  }
  // No closures here: this runs once per new series, and each closure is an allocation.
  const out = new Uint8Array(size);
  let at = 0;
  for (const l of labels) {
    const n = utf8Length(l.name),
      v = utf8Length(l.value);
    out[at++] = LABELS_TAG;
    at = writeVarint(out, at, 2 + varintSize(n) + n + varintSize(v) + v);
    out[at++] = LABEL_NAME_TAG;
    at = writeText(out, at, l.name, n);
    out[at++] = LABEL_VALUE_TAG;
    at = writeText(out, at, l.value, v);
  }
  return out;
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  for (; v >= 0x80; v >>>= 7) out[at++] = (v & 0x7f) | 0x80;
  out[at++] = v;
  return at;
}

/** A string of `n` UTF-8 bytes, with its length before it. */
function writeText(out: Uint8Array, at: number, s: string, n: number): number {
  at = writeVarint(out, at, n);
  if (n === s.length) for (let i = 0; i < n; i++) out[at++] = s.charCodeAt(i);
  else at += utf8.encodeInto(s, out.subarray(at, at + n)).written;
  return at;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string: its length when it is ASCII (label names always, values mostly). */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, "utf8");
  return s.length;
}

const LabelType = root.lookupType("prometheus.Label");
const LABELS_TAG = (TimeSeriesType.fields.labels.id << 3) | 2;
const LABEL_NAME_TAG = (LabelType.fields.name.id << 3) | 2;
const LABEL_VALUE_TAG = (LabelType.fields.value.id << 3) | 2;

function varintSize(v: number): number {
  let n = 1;
  for (; v >= 0x80; v >>>= 7) n++;
  return n;
}

/**
 * Samples of many series in flat arrays: sample k has value `values[k]` and time `times[k]`, and
 * the series' next sample is `next[k]` (-1 after its last). A series' run starts at `first`.
 */
export interface SampleRuns {
  readonly values: Float64Array;
  readonly times: Float64Array;
  readonly next: Int32Array;
}

/**
 * A WriteRequest for series whose labels were encoded before (encodeLabels), their samples in
 * flat arrays (no object per sample: a forwarder sends hundreds of thousands a second). A protobuf
 * message's fields may come in any order and parts, so a TimeSeries is its cached labels followed
 * by its samples. The Sample message (a double and an int64) is written here directly, because
 * per-series encoder calls cost 30 µs a series at 200,000 series a request; labels and metadata go
 * through protobufjs. Timestamps are positive ms. Snappy-compressed.
 */
export function encodeSampleRuns(series: readonly { labelBytes: Uint8Array; first: number }[], runs: SampleRuns, metadata: readonly RwMetadata[]): Uint8Array {
  const { values, times, next } = runs;
  const meta = metadata.map((m) => MetadataType.encode(m).finish());
  let size = 0;
  for (const s of series) {
    size += 1 + 5 + s.labelBytes.length;
    for (let k = s.first; k >= 0; k = next[k]) size += MAX_SAMPLE;
  }
  for (const m of meta) size += 1 + 5 + m.length;
  // One buffer, grown and reused from request to request (snappy copies out of it): a request
  // body of tens of MB allocated each time is external memory that keeps the GC busy.
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  const out = scratch;
  const view = new DataView(out.buffer);
  let at = 0;
  const varint = (v: number) => {
    while (v >= 0x80) {
      out[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[at++] = v;
  };
  for (const s of series) {
    let len = s.labelBytes.length;
    for (let k = s.first; k >= 0; k = next[k]) len += 2 + sampleSize(times[k]);
    out[at++] = TIMESERIES_TAG;
    varint(len);
    out.set(s.labelBytes, at);
    at += s.labelBytes.length;
    for (let k = s.first; k >= 0; k = next[k]) {
      out[at++] = SAMPLE_TAG;
      out[at++] = sampleSize(times[k]);
      out[at++] = VALUE_TAG;
      view.setFloat64(at, values[k], true);
      at += 8;
      out[at++] = TIMESTAMP_TAG;
      varint(times[k]);
    }
  }
  for (const m of meta) {
    out[at++] = METADATA_TAG;
    varint(m.length);
    out.set(m, at);
    at += m.length;
  }
  return snappy.compress(out.subarray(0, at));
}

let scratch = new Uint8Array(0);

const SampleType = root.lookupType("prometheus.Sample");
const SAMPLE_TAG = (TimeSeriesType.fields.samples.id << 3) | 2;
const VALUE_TAG = (SampleType.fields.value.id << 3) | 1;
const TIMESTAMP_TAG = (SampleType.fields.timestamp.id << 3) | 0;
/** Tag, length and body of the largest Sample: 1 + 1 + (1 + 8) + (1 + 10). */
const MAX_SAMPLE = 22;

/** Bytes of a Sample's body: the double with its tag, the timestamp (ms since 1970, positive) as a varint with its tag. */
function sampleSize(timestamp: number): number {
  let n = 1;
  for (let v = timestamp; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return 1 + 8 + 1 + n;
}
