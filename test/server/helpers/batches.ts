// Hand-built batches for server tests: one small metric set, a stream opener and point batches.
import { exportBatchOf } from "../../../src/runtime/exporter.ts";
import type { Batch, WireSetDescriptor } from "../../../src/wire/batch.ts";
import { encodeBatch } from "../../../src/wire/codec.ts";
import type { ExportBatch } from "../../../src/runtime/exporter.ts";

export const SET: WireSetDescriptor = {
  name: "job",
  brief: "A test job",
  schemaHash: "test-hash",
  attributes: [{ name: "job.name", type: "string", brief: "Job" }],
  measures: [{ name: "outcome", brief: "Outcome", values: ["ok", "error"] }],
  fields: [
    { name: "job.items", instrument: "counter", unit: "{item}", brief: "Items processed", valueType: "int" },
    { name: "job.latency", instrument: "histogram", unit: "ms", brief: "Latency", valueType: "double", bounds: [1, 10, 100] },
    { name: "job.queue", instrument: "gauge", unit: "{item}", brief: "Queue depth", valueType: "int" },
  ],
};

/** Batch `seq` of `stream`: the first opens the stream; each adds `items` to series 0 (ok) and 1 in slot 1 (error). */
export function batch(stream: string, seq: number, items = 1, extra: Partial<Batch> = {}): Batch {
  const end = 1_700_000_000_000 + seq * 10;
  return {
    v: 1,
    stream,
    seq,
    start: end - 10,
    end,
    ...(seq === 1
      ? {
          open: {
            resource: { "service.name": "test", "service.instance.id": stream },
            schemaHash: "test-hash",
            sdk: { name: "percore", version: "test" },
            view: "aggregate" as const,
          },
          sets: [SET],
          series: [
            [0, 0, ["a"]],
            [1, 0, ["b"]],
          ] as const,
        }
      : {}),
    // key = slot * 3 + field: counter ok (0), histogram ok (1), counter error (3)
    points: [
      [0, 0, items, 1, [0.5 * items, items, 0, 0, 0]],
      [1, 3, items],
    ],
    ...extra,
  };
}

export const exportBatch = (b: Batch): ExportBatch => exportBatchOf(b);

export async function post(url: string, b: Batch | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/v1/batches`, {
    method: "POST",
    headers: { "content-type": "application/msgpack", ...headers },
    body: (b instanceof Uint8Array ? b : encodeBatch(b)) as Uint8Array<ArrayBuffer>,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}
