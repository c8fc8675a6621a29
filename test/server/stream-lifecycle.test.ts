// HTTP has no end-of-stream signal: a batch stream that stops sending is logged and stored as
// closed after --stream-idle, and its next batch reopens it. A stream carried by an open
// WebSocket is never closed for idleness, only when its connection ends.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/wire/codec.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("lifecycle"), args: ["--stream-idle", "1s"] });
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not met within ${timeoutMs} ms; server output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const lines = (pattern: RegExp) =>
  server
    .output()
    .split("\n")
    .filter((l) => pattern.test(l));

/** Opens an HTTP stream now and waits until the server closes it for idleness (one idle period passed). */
async function idledOut(stream: string): Promise<void> {
  expect((await post(server.url, batch(stream, 1))).status).toBe(200);
  await until(() => lines(new RegExp(`stream closed ${stream} \\(batch, idle`)).length > 0);
}

describe("stream lifecycle", () => {
  it("an idle HTTP stream is closed once, stored as closed, and reopened by its next batch", async () => {
    expect((await post(server.url, batch("http-job", 1))).status).toBe(200);
    await until(() => lines(/stream closed http-job \(batch, idle/).length > 0);
    // The line is logged when the close is queued; the store has it after the next commit.
    const closedInStore = async () => JSON.stringify(await query(server.url, "SELECT closed IS NOT NULL FROM streams WHERE key = 'http-job'")) === "[[true]]";
    await until(closedInStore);
    expect((await post(server.url, batch("http-job", 2))).status).toBe(200);
    // Committed before the reply: the store says open again (until it idles out once more).
    expect(await query(server.url, "SELECT closed IS NULL FROM streams WHERE key = 'http-job'")).toEqual([[true]]);
    await until(() => lines(/stream reopened http-job \(batch\)/).length === 1);
    await until(() => lines(/stream closed http-job/).length === 2);
    expect(lines(/stream opened http-job/).length).toBe(1);
  });

  it("a stream on an open WebSocket is not closed for idleness, and is closed once when the socket ends", async () => {
    const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws");
    await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
    const acked = new Promise((resolve) => ws.once("message", resolve));
    ws.send(encodeBatch(batch("ws-service", 1)));
    await acked;
    // An HTTP stream started after the WebSocket's batch idles out: the idle sweep has run past the
    // limit for the WebSocket's stream too, which stays open because the connection carries it.
    await idledOut("witness-1");
    expect(lines(/stream closed ws-service/)).toEqual([]);
    ws.close();
    await until(() => lines(/stream closed ws-service \(batch\)/).length === 1);
    // Another full idle period later, still exactly one close line.
    await idledOut("witness-2");
    expect(lines(/stream closed ws-service/).length).toBe(1);
  });
});
