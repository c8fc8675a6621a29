// Turns the bytes of one message into a plain value, classifying every way it can fail. The
// decoder is the shared wire codec; here we only put names on its exceptions.
import { decodeBatch, splitBatches } from "../wire/codec.ts";
import { serverError, type ServerError } from "./errors.ts";

export function decodeMsgpack(bytes: Uint8Array): unknown | ServerError {
  return classify(bytes, () => decodeBatch(bytes) as unknown);
}

/** The batches of an HTTP body holding one or more batches back to back (see docs/wire-format.md). */
export function splitMsgpack(bytes: Uint8Array): Uint8Array[] | ServerError {
  return classify(bytes, () => splitBatches(bytes));
}

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
