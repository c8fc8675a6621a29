// Turns the bytes of one message into a plain value, classifying every way it can fail. The
// decoder is the shared wire codec; here we only put names on its exceptions.
import { decodeBatch, splitBatches } from "../../wire/codec.ts";
import { isServerError, serverError, type ServerError } from "../errors.ts";

export function decodeMsgpack(bytes: Uint8Array): unknown | ServerError {
  return classify(bytes, () => decodeBatch(bytes) as unknown);
}

/** The batches of an HTTP body holding one or more batches back to back (see docs/wire-format.md). */
export function splitMsgpack(bytes: Uint8Array): Uint8Array[] | ServerError {
  const parts = classify(bytes, () => splitBatches(bytes));
  if (isServerError(parts) || parts.length === 1) return parts;
  // Several values: each must be a batch (a msgpack map); text or other bytes are not msgpack batches.
  let at = 0;
  for (const [i, p] of parts.entries()) {
    if (!isMapHeader(p[0])) return serverError("E_BAD_MSGPACK", `not a msgpack batch: value ${i + 1} of the body (at byte ${at}) is not a map`, `byte ${at}`);
    at += p.length;
  }
  return parts;
}

/** fixmap, map16, map32. */
const isMapHeader = (b: number | undefined): boolean => b !== undefined && ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf);

function classify<T>(bytes: Uint8Array, decode: () => T): T | ServerError {
  if (bytes.length === 0) return serverError("E_TRUNCATED", "empty message: expected one msgpack-encoded batch", "byte 0");
  try {
    return decode();
  } catch (e) {
    if (e instanceof RangeError) {
      // msgpackr decodes recursively; only absurd nesting overflows the stack.
      return serverError("E_TOO_DEEP", "msgpack nesting too deep", "$");
    }
    const err = e as Error & { incomplete?: boolean };
    if (err.incomplete) return serverError("E_TRUNCATED", `msgpack ends early: ${err.message}`, `byte ${bytes.length}`);
    return serverError("E_BAD_MSGPACK", `not a valid msgpack value: ${String(err.message ?? e)}`);
  }
}
