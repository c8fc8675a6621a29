// A direct reader of the remote-write `prometheus.WriteRequest` protobuf. Samples go straight into
// two Float64Arrays (times, values) instead of one decoded object plus one plain object per
// sample: with protobufjs decode + toObject, garbage collection took about half of the ingest
// time (docs/query-api.md, Figures). The message layout is the published prompb one, the same
// fields remote-write-proto.ts declares for protobufjs (which still encodes, for tests and tools);
// test/server/remote-write-reader.test.ts checks both decoders agree on generated requests.
// Unknown fields are skipped, as protobufjs skips them; a known field with the wrong wire type or
// a truncated message is an error (the caller answers 400).

export interface RwLabel {
  name: string;
  value: string;
}
export interface RwMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}

export interface ReadSeries {
  readonly labels: RwLabel[];
  /** This series' samples are times/values [start, end). */
  readonly start: number;
  readonly end: number;
  readonly exemplars: number;
  readonly histograms: number;
}

export interface ReadWriteRequest {
  readonly series: ReadSeries[];
  /** Sample timestamps in ms (int64 as a number; exact up to 2^53, as protobufjs `longs: Number`). */
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly metadata: RwMetadata[];
}

const VARINT = 0,
  I64 = 1,
  LEN = 2,
  SGROUP = 3,
  EGROUP = 4,
  I32 = 5;

// ignoreBOM keeps a leading U+FEFF in the string, as protobufjs does.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

class Reader {
  pos = 0;
  readonly buf: Uint8Array;
  readonly view: DataView;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number, end: number): void {
    if (this.pos + n > end) throw new RangeError(`index out of range: ${this.pos} + ${n} > ${end}`);
  }

  /** A varint's low 32 bits (tags, lengths, int32, enum); longer varints are consumed in full. */
  uint32(end: number): number {
    const b = this.buf;
    // Tags and short lengths are one byte.
    if (this.pos < end && b[this.pos] < 0x80) return b[this.pos++];
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= end) throw new RangeError(`index out of range: ${this.pos} + 1 > ${end}`);
      const byte = b[this.pos++];
      if (shift < 32) v |= (byte & 0x7f) << shift;
      if (byte < 0x80) return v >>> 0;
    }
    throw new Error("invalid varint encoding");
  }

  /** An int64 varint as a number: two's complement, exact within ±2^53 (as Long.toNumber). */
  int64(end: number): number {
    const b = this.buf;
    let lo = 0,
      hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new RangeError(`index out of range: ${this.pos} + 1 > ${end}`);
      const byte = b[this.pos++];
      const bits = byte & 0x7f;
      if (i < 4) lo |= bits << (i * 7);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (i * 7 - 32);
      if (byte < 0x80) return (hi | 0) * 4294967296 + (lo >>> 0);
    }
    throw new Error("invalid varint encoding");
  }

  double(end: number): number {
    this.need(8, end);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field starting here. */
  length(end: number): number {
    const n = this.uint32(end);
    this.need(n, end);
    return this.pos + n;
  }

  string(end: number): string {
    const stop = this.length(end);
    const start = this.pos;
    this.pos = stop;
    if (stop - start > 64) return utf8.decode(this.buf.subarray(start, stop));
    // Label names and most values are short ASCII: no decoder call, no subarray.
    const b = this.buf;
    let s = "";
    for (let i = start; i < stop; i++) {
      const c = b[i];
      if (c >= 0x80) return utf8.decode(b.subarray(start, stop));
      s += String.fromCharCode(c);
    }
    return s;
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case VARINT:
        this.int64(end);
        return;
      case I64:
        this.need(8, end);
        this.pos += 8;
        return;
      case LEN:
        this.pos = this.length(end);
        return;
      case I32:
        this.need(4, end);
        this.pos += 4;
        return;
      case SGROUP:
        for (;;) {
          const w = this.uint32(end) & 7;
          if (w === EGROUP) return;
          this.skip(w, end);
        }
      default:
        throw new Error(`invalid wire type ${wire} at offset ${this.pos}`);
    }
  }

  /** Walks a message's fields to its end (bounds-checked), keeping nothing. */
  skipMessage(end: number): void {
    while (this.pos < end) this.skip(this.uint32(end) & 7, end);
  }
}

function expect(wire: number, want: number, field: string, at: number): void {
  if (wire !== want) throw new Error(`${field} has wire type ${wire}, expected ${want} (offset ${at})`);
}

/** Decodes a WriteRequest; throws on malformed input with the offset. */
export function readWriteRequest(buf: Uint8Array): ReadWriteRequest {
  const r = new Reader(buf);
  const end = buf.length;
  const series: ReadSeries[] = [];
  const metadata: RwMetadata[] = [];
  // A sample takes at least 2 bytes (tag + length); most take 13 or more.
  let times = new Float64Array(Math.max(16, end >>> 4));
  let values = new Float64Array(times.length);
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3,
      wire = tag & 7;
    if (field === 1) {
      expect(wire, LEN, "WriteRequest.timeseries", r.pos);
      const stop = r.length(end);
      const labels: RwLabel[] = [];
      const start = n;
      let exemplars = 0,
        histograms = 0;
      while (r.pos < stop) {
        const t = r.uint32(stop);
        const f = t >>> 3,
          w = t & 7;
        if (f === 1) {
          expect(w, LEN, "TimeSeries.labels", r.pos);
          labels.push(readLabel(r, r.length(stop)));
        } else if (f === 2) {
          expect(w, LEN, "TimeSeries.samples", r.pos);
          const sEnd = r.length(stop);
          let value = 0,
            time = 0;
          while (r.pos < sEnd) {
            const st = r.uint32(sEnd);
            if (st === 0x09) value = r.double(sEnd);
            else if (st === 0x10) time = r.int64(sEnd);
            else if (st >>> 3 === 1 || st >>> 3 === 2) expect(st & 7, st >>> 3 === 1 ? I64 : VARINT, st >>> 3 === 1 ? "Sample.value" : "Sample.timestamp", r.pos);
            else r.skip(st & 7, sEnd);
          }
          if (n === times.length) {
            const grownT = new Float64Array(n * 2),
              grownV = new Float64Array(n * 2);
            grownT.set(times);
            grownV.set(values);
            times = grownT;
            values = grownV;
          }
          times[n] = time;
          values[n] = value;
          n++;
        } else if (f === 3) {
          expect(w, LEN, "TimeSeries.exemplars", r.pos);
          r.skipMessage(r.length(stop));
          exemplars++;
        } else if (f === 4) {
          expect(w, LEN, "TimeSeries.histograms", r.pos);
          r.pos = r.length(stop);
          histograms++;
        } else r.skip(w, stop);
      }
      series.push({ labels, start, end: n, exemplars, histograms });
    } else if (field === 3) {
      expect(wire, LEN, "WriteRequest.metadata", r.pos);
      metadata.push(readMetadata(r, r.length(end)));
    } else r.skip(wire, end);
  }
  return { series, times: times.subarray(0, n), values: values.subarray(0, n), metadata };
}

function readLabel(r: Reader, end: number): RwLabel {
  let name = "",
    value = "";
  while (r.pos < end) {
    const t = r.uint32(end);
    const f = t >>> 3;
    if (f === 1 || f === 2) {
      expect(t & 7, LEN, f === 1 ? "Label.name" : "Label.value", r.pos);
      if (f === 1) name = r.string(end);
      else value = r.string(end);
    } else r.skip(t & 7, end);
  }
  return { name, value };
}

function readMetadata(r: Reader, end: number): RwMetadata {
  const m: RwMetadata = { type: 0, metricFamilyName: "", help: "", unit: "" };
  while (r.pos < end) {
    const t = r.uint32(end);
    const f = t >>> 3,
      w = t & 7;
    if (f === 1) {
      expect(w, VARINT, "MetricMetadata.type", r.pos);
      m.type = r.uint32(end) | 0;
    } else if (f === 2 || f === 4 || f === 5) {
      expect(w, LEN, "MetricMetadata", r.pos);
      const s = r.string(end);
      if (f === 2) m.metricFamilyName = s;
      else if (f === 4) m.help = s;
      else m.unit = s;
    } else r.skip(w, end);
  }
  return m;
}
