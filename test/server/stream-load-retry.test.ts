// A stream whose load from the store fails is loaded again by its next batch (issue #9 D4: the
// failed load promise was cached, so every retry got the same 500 until a restart, and over a
// WebSocket the batch got no answer and an unhandled rejection was logged).
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { unpack } from "msgpackr";
import WebSocket from "ws";
import { afterEach, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/server.ts";
import type { Store } from "../../src/server/store/store.ts";
import { encodeBatch } from "../../src/wire/codec.ts";
import { batch, post } from "./helpers/batches.ts";
import { tempStore } from "./helpers/server-process.ts";

const quiet = () => undefined;
let running: RunningServer | undefined;
let path = "";
afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(dirname(path), { recursive: true, force: true });
});

/** The real store, except that its next `loadStream` fails the way a read error would. */
function failFirstLoad(store: Store): Store & { failures: number } {
  let armed = true;
  const wrapped = Object.create(store) as Store & { failures: number };
  wrapped.failures = 0;
  wrapped.loadStream = (key) => {
    if (armed) {
      armed = false;
      wrapped.failures++;
      return Promise.reject(new Error("IO Error: could not read block 7 (injected)"));
    }
    return store.loadStream(key);
  };
  return wrapped;
}

/** A store holding stream `s` at seq 1, then a server on it whose first stream load fails. */
async function restartWithFaultyLoad(): Promise<Store & { failures: number }> {
  path = tempStore("load-retry");
  const first = await startServer({ store: path, port: 0, log: quiet });
  expect((await post(first.url, batch("s", 1))).status).toBe(200);
  await first.close();
  let faulty: (Store & { failures: number }) | undefined;
  running = await startServer({ store: path, port: 0, log: quiet, wrapStore: (s) => (faulty = failFirstLoad(s)) });
  return faulty!;
}

it("HTTP: the batch that hit the failed load gets a retryable 500, the next one is stored", async () => {
  const faulty = await restartWithFaultyLoad();
  const r1 = await post(running!.url, batch("s", 2));
  expect(r1.status).toBe(500);
  expect(r1.body.error.code).toBe("E_STORE");
  expect(r1.body.error.message).toMatch(/could not load stream s: IO Error.*retry/);
  expect(faulty.failures).toBe(1);
  const r2 = await post(running!.url, batch("s", 2));
  expect(r2).toEqual({ status: 200, body: { seq: 2, stored: 6 } });
});

it("WebSocket: an error frame and close 1011 with the code, no unhandled rejection; a reconnect stores the batch", async () => {
  await restartWithFaultyLoad();
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);
  process.on("unhandledRejection", onRejection);
  try {
    const exchange = () =>
      new Promise<{ frames: any[]; code: number; reason: string }>((resolve, reject) => {
        const ws = new WebSocket(running!.url.replace("http", "ws") + "/v1/ws");
        const frames: any[] = [];
        ws.on("open", () => ws.send(encodeBatch(batch("s", 2))));
        ws.on("message", (d: Buffer) => {
          frames.push(unpack(d));
          if (!frames.at(-1).error) ws.close(1000);
        });
        ws.on("close", (code, reason) => resolve({ frames, code, reason: reason.toString() }));
        ws.on("error", reject);
      });
    const first = await exchange();
    expect(first.code).toBe(1011);
    expect(JSON.parse(first.reason).code).toBe("E_STORE");
    expect(first.frames[0].error.code).toBe("E_STORE");
    const second = await exchange();
    expect(second.frames).toEqual([{ seq: 2, stored: 6 }]);
    expect(rejections).toEqual([]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
});
