// Fuzz: 10,000+ random and mutated payloads over HTTP (batches and NDJSON), a few hundred over
// WebSocket. Every answer is 200 or a 4xx with a JSON error, never a 5xx or a dropped connection;
// afterwards a valid batch is accepted and the data stored before the fuzzing is unchanged.
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/wire/codec.ts";
import { msgpack as packr } from "../../src/wire/msgpack.ts";
import { batch, post } from "./helpers/batches.ts";
import { query, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

let server: ServerProcess;
let before: unknown[];
const GOOD = "SELECT count(*), sum(value), max(time) FROM all_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = 'good'";

// A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 8));
  switch (k) {
    case 0:
      return Math.floor(r() * 2 ** 32) - 2 ** 31;
    case 1:
      return r() < 0.1 ? NaN : r() * 1e6;
    case 2:
      return "s".repeat(Math.floor(r() * 20));
    case 3:
      return r() < 0.5;
    case 4:
      return null;
    case 5:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, (_, i) => [
          ["v", "stream", "seq", "points", "series", "sets", "open", "x"][Math.floor(r() * 8)] + (i > 2 ? i : ""),
          randomValue(r, depth + 1),
        ]),
      );
    default:
      return Uint8Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * 256));
  }
}

function payload(i: number, r: () => number): { path: string; body: Uint8Array | string } {
  const template = encodeBatch(batch(`fuzz-${i % 50}`, 1 + (i % 7), 1 + (i % 3)));
  switch (i % 6) {
    case 0: // random bytes
      return { path: "/v1/batches", body: Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)) };
    case 1: {
      // a valid batch with bytes flipped
      const b = Uint8Array.from(template);
      for (let n = 1 + Math.floor(r() * 4); n > 0; n--) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return { path: "/v1/batches", body: b };
    }
    case 2: // truncated or extended
      return {
        path: "/v1/batches",
        body: r() < 0.5 ? template.subarray(0, Math.floor(r() * template.length)) : Buffer.concat([template, Buffer.from([Math.floor(r() * 256)])]),
      };
    case 3: {
      // structurally random, msgpack-valid
      const base = batch(`fuzz-${i % 50}`, 1 + (i % 7)) as unknown as Record<string, unknown>;
      const keys = Object.keys(base);
      const k = keys[Math.floor(r() * keys.length)];
      return { path: "/v1/batches", body: packr.pack({ ...base, [k]: randomValue(r) }) };
    }
    case 4: {
      // points with random contents
      const base = batch(`fuzz-${i % 50}`, 1);
      return { path: "/v1/batches", body: packr.pack({ ...base, points: [[Math.floor(r() * 3), Math.floor(r() * 8), randomValue(r)], randomValue(r)] }) };
    }
    default: {
      // NDJSON with random lines
      const lines = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
        r() < 0.6 ? JSON.stringify(randomValue(r)) : String.fromCharCode(...Array.from({ length: Math.floor(r() * 30) }, () => Math.floor(r() * 128))),
      );
      return { path: "/v1/events", body: lines.join("\n") };
    }
  }
}

beforeAll(async () => {
  server = await startServerProcess({ store: tempStore("fuzz"), args: ["--max-body", "64KiB", "--event-fields", "optional"] });
  for (let seq = 1; seq <= 3; seq++) expect((await post(server.url, batch("good", seq, seq))).status).toBe(200);
  before = (await query(server.url, GOOD))[0];
});
afterAll(async () => {
  await server.stop("SIGKILL");
  rmSync(dirname(server.store), { recursive: true, force: true });
});

describe("fuzz", () => {
  it("10,000 random and mutated HTTP payloads: only 200 or 4xx with a JSON error", async () => {
    const r = rng(20241123);
    const statuses = new Map<number, number>();
    const N = 10_000;
    const CONCURRENCY = 32;
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const p = payload(i, r);
        const res = await fetch(server.url + p.path, {
          method: "POST",
          headers: { "content-type": p.path === "/v1/events" ? "application/x-ndjson" : "application/msgpack" },
          body: p.body as string,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 200) {
          expect(res.status, `payload ${i}`).toBeGreaterThanOrEqual(400);
          expect(res.status, `payload ${i}: ${text}`).toBeLessThan(500);
          const body = JSON.parse(text) as { error: { code: string; message: string } };
          expect(body.error.code, `payload ${i}`).toMatch(/^E_[A-Z_]+$/);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(N);
    // Both outcomes happened: the fuzzer reached past the decoder.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(2);
  }, 120_000);

  it("300 mutated WebSocket frames: each answered by an ack or an error and a close code", async () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const p = payload(i * 6 + (i % 5), r);
      const outcome = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(server.url.replace("http", "ws") + "/v1/ws");
        ws.on("open", () => ws.send(p.body, { binary: p.path === "/v1/batches" }));
        ws.on("message", () => {
          ws.close(1000);
        });
        ws.on("close", (code) => resolve(String(code)));
        ws.on("error", reject);
      });
      expect(["1000", "1007", "1009"]).toContain(outcome);
    }
  }, 120_000);

  it("afterwards: a valid batch is accepted and the earlier data is unchanged", async () => {
    expect((await query(server.url, GOOD))[0]).toEqual(before);
    const res = await post(server.url, batch("good", 4, 1));
    expect(res.status).toBe(200);
    expect(res.body.seq).toBe(4);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
  });
});
