// The in-memory head of recent remote-written samples (sample-head.ts) answers only for the time it
// covers, on the real server process and DuckDB: after a restart the samples stored before it are
// read from the store; past --promql-head-samples the oldest go and their time is read from the
// store again.
import { afterAll, describe, expect, it } from "vitest";
import { encodeWriteRequest } from "../../src/server/remote-write/remote-write-proto.ts";
import { serverPool, tempStore } from "../server/helpers/server-process.ts";

const servers = serverPool();
afterAll(servers.cleanup);
const t0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;

/** One sample a second of `name` for seconds [from, to). */
const write = (url: string, name: string, from: number, to: number) =>
  fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
    body: encodeWriteRequest({
      timeseries: [
        { labels: [{ name: "__name__", value: name }], samples: Array.from({ length: to - from }, (_, i) => ({ value: from + i, timestamp: t0 + (from + i) * 1000 })) },
      ],
    }) as Uint8Array<ArrayBuffer>,
  });

async function count(url: string, selector: string, atSecond: number): Promise<number | undefined> {
  const res = await fetch(`${url}/api/v1/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: `count_over_time(${selector})`, time: String(t0 / 1000 + atSecond) }),
  });
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  expect(body.status).toBe("success");
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

describe("PromQL's in-memory head", () => {
  it("covers only what was written since the start, and only as much as it holds", async () => {
    const store = tempStore("sample-head");
    const first = await servers.startOn(store);
    expect((await write(first.url, "x", 0, 60)).status).toBe(204);
    expect(await count(first.url, "x[1m]", 59)).toBe(60);
    expect(await first.stop()).toBe(0);

    // Restarted: seconds 0-59 are in the store only, 60-119 in both.
    const s = await servers.startOn(store, ["--promql-head-samples", "100"]);
    expect((await write(s.url, "x", 60, 120)).status).toBe(204);
    expect(await count(s.url, "x[2m]", 119)).toBe(120);
    expect(await count(s.url, "x[30s]", 119)).toBe(31);
    expect(await count(s.url, "x[1m] offset 1m", 119)).toBe(60);

    // 150 samples of y past a head of 100: the oldest are dropped from memory, not from the answers.
    expect((await write(s.url, "y", 200, 350)).status).toBe(204);
    expect(await count(s.url, "y[3m]", 349)).toBe(150);
    expect(await count(s.url, "y[10s]", 349)).toBe(11);
    expect(await count(s.url, "x[2m]", 119)).toBe(120);
  }, 120_000);
});
