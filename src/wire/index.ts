export * from "./batch.ts";
export * from "./codec.ts";
export * from "./stream-reader.ts";
export * from "./batch-encoder.ts";
export * from "./msgpack-writer.ts";
export * from "./stream-catalog.ts";
export * from "./wire-error.ts";
export * from "./fold.ts";
