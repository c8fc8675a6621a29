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
