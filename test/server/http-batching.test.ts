// Issue #9, "HTTP exporter lag": over HTTP the ServerExporter sends every pending batch in one
// POST (batches back to back), so it keeps up at a short cadence. Asserts delivery, not timing:
// the server accepts a body of several batches in order and acks the last; an exporter handed 300
// batches at once delivers all of them exactly once, in far fewer requests than batches.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { Unpackr } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { encodeBatch } from "../../src/wire/codec.ts";
import { batch, exportBatch } from "./helpers/batches.ts";
import { scalar, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("http-batching") });
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  if (server) rmSync(dirname(server.store), { recursive: true, force: true });
});

const items = (stream: string) =>
  scalar(server.url, `SELECT coalesce(sum(value), 0) FROM metric_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${stream}' AND metric = 'job.items'`);

describe("several batches in one POST", () => {
  it("the server accepts them in order and answers with the last one's ack", async () => {
    const body = Buffer.concat([1, 2, 3].map((seq) => encodeBatch(batch("multi-post", seq, seq))));
    const res = await fetch(`${server.url}/v1/batches`, { method: "POST", headers: { "content-type": "application/msgpack", accept: "application/msgpack" }, body });
    expect(res.status).toBe(200);
    expect(new Unpackr({ useRecords: false }).unpack(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ seq: 3 });
    // 2 items per batch (series a ok, series b error): 2 * (1 + 2 + 3).
    expect(await items("multi-post")).toBe(12);
    // Sent again (a resend after a lost reply): acknowledged, stored once.
    const again = await fetch(`${server.url}/v1/batches`, { method: "POST", headers: { "content-type": "application/msgpack" }, body });
    expect(await again.json()).toMatchObject({ seq: 3 });
    expect(await items("multi-post")).toBe(12);
  });

  it("an HTTP exporter handed 300 batches at once delivers every one, in far fewer POSTs", async () => {
    let posts = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((...args: Parameters<typeof fetch>) => (posts++, realFetch(...args))) as typeof fetch;
    try {
      const exporter = new ServerExporter({ url: server.url, transport: "http" });
      for (let seq = 1; seq <= 300; seq++) exporter.export(exportBatch(batch("http-many", seq, 1)));
      await exporter.forceFlush(60_000);
      expect(exporter.pending).toBe(0);
      await exporter.shutdown();
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(await items("http-many")).toBe(600);
    expect(posts).toBeLessThan(30);
  }, 90_000);
});
