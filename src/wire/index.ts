export * from "./batch.ts";
export * from "./codec.ts";
