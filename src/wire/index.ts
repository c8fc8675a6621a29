export * from "./batch.ts";
export * from "./codec.ts";
export * from "./stream-reader.ts";
