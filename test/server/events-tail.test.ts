// The live tail: `telemetry-server tail` (the real CLI process) against a real server. It prints
// a new event within a short polling deadline, `--since` replays stored ones, `--name` and
// `--severity` filter, the token is enforced, and a client that stops reading loses counted
// events (the server's buffer for it stays bounded by --tail-buffer) instead of growing memory.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Collector } from "../../src/runtime/collector.ts";
import { ServerExporter } from "../../src/export/server-exporter.ts";
import { Jobs } from "../runtime/fixtures/events/telemetry.generated.ts";
import { serverPool, until, waitFor, type ServerProcess } from "./helpers/server-process.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "src/cli/telemetry-server.ts");
const TOKEN = "tail-secret";

const pool = serverPool();
let server: ServerProcess;
const tails: ChildProcess[] = [];
beforeAll(async () => {
  server = await pool.start("tail", ["--token", TOKEN, "--tail-buffer", "4KiB"]);
});
afterAll(async () => {
  for (const t of tails) if (t.exitCode === null) t.kill("SIGKILL");
  await pool.cleanup();
});

const post = (lines: readonly object[]) =>
  fetch(`${server.url}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${TOKEN}` },
    body: lines.map((l) => JSON.stringify(l)).join("\n"),
  }).then((r) => r.json());
let n = 0;
const ev = (name: string, severity: string, more: object = {}) => ({
  event_id: `t-${++n}`,
  event_time: Date.now(),
  event_type: "log",
  event_name: name,
  severity,
  ...more,
});

function startTail(args: string[]): { proc: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CLI, "tail", "--url", server.url, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  tails.push(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

it("prints a new event as it is stored, one readable line, filtered by name and severity", async () => {
  const t = startTail(["--token", TOKEN, "--name", "job.*", "--severity", "warn"]);
  await waitFor(() => t.err().includes("tailing "), "the tail to connect", 60_000);
  await post([ev("job.started", "info", { jobId: 1 }), ev("auth.failed", "error"), ev("job.failed", "error", { jobId: 42, reason: "timeout" })]);
  await waitFor(() => t.out().includes("job.failed"), "the stored event in the tail's output");
  const lines = t.out().trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR job\.failed jobId=42 reason=timeout$/);
  t.proc.kill("SIGTERM");
});

it("shows an event a service emits through the SDK (typed emitter, ring, batch) within a cadence or two", async () => {
  const t = startTail(["--token", TOKEN, "--name", "job.*"]);
  await waitFor(() => t.err().includes("tailing "), "the tail to connect", 60_000);
  const collector = new Collector({ cadenceMs: 200, exporters: [new ServerExporter({ url: server.url, token: TOKEN })] }).start();
  try {
    new Jobs({ workerId: 7 }).failed(77, "oom", false, "out of memory in the SDK test");
    await waitFor(() => t.out().includes("jobId=77") || t.out().includes("job_id=77"), "the SDK's event in the tail's output (flushed by the cadence, not by shutdown)");
    expect(t.out()).toMatch(/ERROR job\.failed /);
  } finally {
    await collector.shutdown();
    t.proc.kill("SIGTERM");
  }
});

it("--since replays stored events first (most recent first-come order), then the live ones, each once", async () => {
  await post([ev("replay.one", "info"), ev("replay.two", "warn")]);
  const t = startTail(["--token", TOKEN, "--since", "10m", "--name", "replay.*"]);
  await waitFor(() => t.out().includes("replay.two"), "the replayed events", 60_000);
  await post([ev("replay.three", "info")]);
  await waitFor(() => t.out().includes("replay.three"), "the live event after the replay");
  const names = t
    .out()
    .trim()
    .split("\n")
    .map((l) => l.split(/\s+/)[2]);
  expect(names).toEqual(["replay.one", "replay.two", "replay.three"]);
  t.proc.kill("SIGTERM");
});

it("the token is enforced: without it the CLI exits 1 with E_UNAUTHORIZED", async () => {
  const t = startTail([]);
  expect(await t.exit).toBe(1);
  expect(t.err()).toMatch(/E_UNAUTHORIZED/);
  // A bad flag is a usage error: exit code 2, as for every telemetry-server command.
  const bad = startTail(["--token", TOKEN, "--severity", "loud"]);
  expect(await bad.exit).toBe(2);
  expect(bad.err()).toMatch(/E_BAD_PARAM: severity must be one of/);
});

it("a client that stops reading loses counted events, and the count plus what it got is everything", async () => {
  // A raw connection whose socket is paused: its unsent bytes pile up in the server up to the bound.
  const res = await new Promise<import("node:http").IncomingMessage>((ok, fail) => {
    const req = request(`${server.url}/api/v1/events/tail?name=flood.*`, { headers: { authorization: `Bearer ${TOKEN}` } }, ok);
    req.on("error", fail);
    req.end();
  });
  res.pause();
  // Far more than the socket buffers of both ends take (a few MiB on loopback).
  const total = 6000;
  const big = "x".repeat(2000);
  for (let i = 0; i < total; i += 500) await post(Array.from({ length: 500 }, (_, j) => ev("flood.item", "info", { i: i + j, big })));
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (d: string) => (text += d));
  res.resume();
  // Once the client reads again, probes get through; a last marker then closes the account:
  // everything posted before it was either delivered before it or counted in a dropped notice.
  let probes = 0;
  await until(async () => {
    probes++;
    await post([ev("flood.probe", "info")]);
    return text.includes('"event_name":"flood.probe"') ? true : undefined;
  }, "a probe to get through");
  await post([ev("flood.marker", "info")]);
  await waitFor(() => text.includes('"event_name":"flood.marker"'), "the marker");
  res.destroy();
  const delivered = [...text.matchAll(/event: event\n/g)].length;
  const dropped = [...text.matchAll(/event: dropped\ndata: (\{[^\n]*\})/g)].reduce((sum, m) => sum + (JSON.parse(m[1] ?? "{}") as { dropped: number }).dropped, 0);
  expect(dropped).toBeGreaterThan(0);
  expect(delivered + dropped).toBe(total + probes + 1);
});
