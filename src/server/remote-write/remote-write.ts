// POST /api/v1/write: Prometheus remote-write 1.0 (snappy + protobuf). Every sample of a request
// is validated first, then the request is stored in one transaction between ingest commits, or
// not at all (as Prometheus's own receiver does). Answers 204 like Prometheus; bad bodies 400,
// oversized 413. Exemplars and native histograms are not stored: a request carrying native
// histograms is refused (400) rather than half stored; exemplars are counted in the
// `x-percore-exemplars-dropped` reply header.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isServerError, serverError, type ServerError } from "../errors.ts";
import { readBody, sendError } from "../http/http-util.ts";
import type { Ingestor } from "../ingest/ingest.ts";
import type { Limits } from "../ingest/limits.ts";
import type { PromIndex } from "./prom-index.ts";
import { decodeWriteRequest, METRIC_TYPES } from "./remote-write-proto.ts";
import type { ReadWriteRequest } from "./write-request-reader.ts";
import type { PromMetadata, SampleUnit, Store } from "../store/store.ts";
import type { SampleHead } from "../promql/sample-head.ts";

export interface RemoteWriteContext {
  readonly ingest: Ingestor;
  readonly store: Store;
  readonly index: PromIndex;
  readonly limits: Limits;
  readonly shuttingDown: () => boolean;
  /** Recent samples kept in memory for PromQL (absent: none). */
  readonly head?: Pick<SampleHead, "append">;
}

/** Decompressed bodies may be this many times larger than --max-body. */
export const UNCOMPRESSED_FACTOR = 8;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const view = new DataView(new ArrayBuffer(8));

/** Prometheus's staleness marker is the NaN with bits 0x7ff0000000000002 (the quiet bit may be set on the way). */
export function isStaleMarker(v: number): boolean {
  if (!Number.isNaN(v)) return false;
  view.setFloat64(0, v, true);
  return view.getUint32(0, true) === 2 && (view.getUint32(4, true) & 0x7ff7ffff) === 0x7ff00000;
}

/** Turns a decoded request into rows, or says which series/sample is wrong. */
export function sampleUnit(req: ReadWriteRequest, index: PromIndex): SampleUnit | ServerError {
  const total = req.times.length;
  const ids = new Float64Array(total),
    stale = new Uint8Array(total);
  for (let i = 0; i < req.series.length; i++) {
    const ts = req.series[i];
    if (ts.histograms > 0) return serverError("E_BAD_PROTOBUF", "native histograms are not supported; send classic histograms (_bucket/_sum/_count)", `timeseries[${i}]`);
    const labels: Record<string, string> = {};
    for (const l of ts.labels) {
      if (!LABEL_NAME.test(l.name)) return serverError("E_BAD_SERIES", `invalid label name ${JSON.stringify(l.name)}`, `timeseries[${i}].labels`);
      if (l.name in labels) return serverError("E_BAD_SERIES", `duplicate label name ${l.name}`, `timeseries[${i}].labels`);
      // An empty value is the same as no label in Prometheus.
      if (l.value !== "") labels[l.name] = l.value;
    }
    if (labels.__name__ === undefined) return serverError("E_BAD_SERIES", "series without a __name__ label", `timeseries[${i}].labels`);
    if (!METRIC_NAME.test(labels.__name__)) return serverError("E_BAD_SERIES", `invalid metric name ${JSON.stringify(labels.__name__)}`, `timeseries[${i}].labels`);
    if (ts.start === ts.end) continue;
    const id = index.idOf(labels);
    for (let r = ts.start; r < ts.end; r++) {
      const t = req.times[r];
      if (!Number.isSafeInteger(t)) return serverError("E_BAD_SERIES", `timestamp ${t} is not an integer of ms`, `timeseries[${i}].samples[${r - ts.start}]`);
      ids[r] = id;
      stale[r] = isStaleMarker(req.values[r]) ? 1 : 0;
    }
  }
  const metadata: PromMetadata[] = req.metadata
    .filter((m) => m.metricFamilyName !== "")
    .map((m) => ({ metric: m.metricFamilyName, type: METRIC_TYPES[m.type] ?? "unknown", help: m.help, unit: m.unit }));
  return { series: [], length: total, ids, times: req.times, values: req.values, stale, metadata };
}

export async function remoteWrite(req: IncomingMessage, res: ServerResponse, ctx: RemoteWriteContext): Promise<void> {
  if (ctx.shuttingDown()) return sendError(res, serverError("E_SHUTTING_DOWN", "server is shutting down"));
  const encoding = String(req.headers["content-encoding"] ?? "snappy").toLowerCase();
  if (encoding !== "snappy") return sendError(res, serverError("E_BAD_ENCODING", `remote write bodies are snappy-compressed; got content-encoding ${encoding}`));
  const type = String(req.headers["content-type"] ?? "application/x-protobuf");
  if (!/^application\/x-protobuf/.test(type)) return sendError(res, serverError("E_BAD_CONTENT_TYPE", `expected application/x-protobuf, got ${type}`));
  // Remote write 2.0 uses the same path with another message; decoding it as 1.0 would misread it.
  if (/proto=io\.prometheus\.write\.v2/.test(type))
    return sendError(res, serverError("E_BAD_CONTENT_TYPE", "remote write 2.0 is not supported; send remote write 1.0 (prometheus.WriteRequest)"));
  const body = await readBody(req, ctx.limits.maxBody);
  if (isServerError(body)) return sendError(res, body);
  let decoded: ReadWriteRequest;
  try {
    decoded = decodeWriteRequest(body, ctx.limits.maxBody * UNCOMPRESSED_FACTOR);
  } catch (e) {
    return sendError(res, serverError("E_BAD_PROTOBUF", (e as Error).message));
  }
  const unit = sampleUnit(decoded, ctx.index);
  if (isServerError(unit)) return sendError(res, unit);
  let exemplars = 0;
  for (const ts of decoded.series) exemplars += ts.exemplars;
  try {
    await ctx.ingest.runExclusive(async () => {
      const series = ctx.index.unstored(unit.ids);
      await ctx.store.appendSamples({ ...unit, series });
      ctx.index.markStored(series);
      // Committed: recent queries may read these samples from memory now.
      ctx.head?.append(unit);
      for (const m of unit.metadata) ctx.index.metadata.set(m.metric, m);
    });
  } catch (e) {
    return sendError(res, serverError("E_STORE", `samples not stored: ${(e as Error).message}`));
  }
  res.writeHead(204, exemplars > 0 ? { "x-percore-exemplars-dropped": String(exemplars) } : {});
  res.end();
}
