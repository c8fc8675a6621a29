// Protobuf requests and replies for tests, through the same generated message classes the server
// loads: a JSON-shaped request in, binary protobuf out, and back.
import { load } from "../../../src/server/otlp/otlp-protobuf.ts";

export function encodeRequestForTest(json: object): Uint8Array {
  const { request } = load();
  return request.encode(request.fromObject(json as Record<string, unknown>)).finish();
}

export function decodeResponseForTest(bytes: Uint8Array): { partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string } } {
  const { response } = load();
  return response.toObject(response.decode(bytes), { longs: Number }) as never;
}

export function decodeRequestForTest(bytes: Uint8Array): any {
  const { request } = load();
  return request.toObject(request.decode(bytes), { longs: Number, enums: Number, oneofs: true, arrays: true });
}
