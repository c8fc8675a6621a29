// Thread mode: a process that ends without shutdown() (process.exit, an uncaught exception,
// SIGTERM, or simply running out of work) still ships its last interval to a real telemetry server.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { scalar, serverPool, type ServerProcess } from "../server/helpers/server-process.ts";

const servers = serverPool();
afterAll(() => servers.cleanup());
const CHILD = new URL("./fixtures/exit-child.ts", import.meta.url).pathname;

let server: ServerProcess | undefined;
async function theServer(): Promise<ServerProcess> {
  server ??= await servers.start("exit-flush");
  return server;
}

/** Runs the child; `ready` is called once it has recorded. Resolves with its stream and how it ended. */
function runChild(mode: string, url: string, ready?: (pid: number) => void): Promise<{ stream: string; code: number | null; signal: string | null; out: string }> {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, mode, url], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (ready && out.includes("ready\n")) {
      ready(child.pid!);
      ready = undefined;
    }
  });
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ stream: /stream (\S+)/.exec(out)?.[1] ?? "", code, signal, out })));
}

const requests = (stream: string) =>
  `SELECT coalesce(sum(value), 0) FROM metric_points p JOIN streams s ON s.id = p.stream_id WHERE s.key = '${stream}' AND metric = 'http.server.requests'`;

describe("thread mode: the last interval is flushed when the process ends", () => {
  it.each([
    ["exit", { code: 0, signal: null }],
    ["throw", { code: 1, signal: null }],
    ["sigterm", { code: null, signal: "SIGTERM" }],
    ["natural", { code: 0, signal: null }],
  ])(
    "%s",
    async (mode, ending) => {
      const s = await theServer();
      const r = await runChild(mode, s.url, mode === "sigterm" ? (pid) => process.kill(pid, "SIGTERM") : undefined);
      expect({ code: r.code, signal: r.signal }, r.out).toEqual(ending);
      expect(r.stream, r.out).toMatch(/^[0-9a-f-]{36}$/);
      // The child waited for the server's acknowledgement before it ended: the counts are stored.
      expect(await scalar(s.url, requests(r.stream)), r.out).toBe(4242);
    },
    60_000,
  );
});
