// msgpack encoding of batches. Plain msgpack maps and arrays (no msgpackr record extension), so
// any language's msgpack library can read a batch.
import type { Batch } from "./batch.ts";
import { msgpack } from "./msgpack.ts";

export function encodeBatch(batch: Batch): Uint8Array {
  return msgpack.pack(batch);
}

/** Decodes without validating the shape: the server validates what it receives. */
export function decodeBatch(bytes: Uint8Array): Batch {
  return msgpack.unpack(bytes) as Batch;
}

/**
 * Splits a body of one or more batches written back to back (a msgpack stream, as the HTTP
 * exporter sends what is pending in one POST) into one byte range per batch. Throws like
 * decodeBatch on a malformed or truncated value.
 */
export function splitBatches(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  msgpack.unpackMultiple(bytes, (_value: unknown, start?: number, end?: number) => {
    parts.push(bytes.subarray(start ?? 0, end ?? bytes.length));
  });
  return parts;
}
