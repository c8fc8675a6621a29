// The server process against a hostile environment: its stdout pipe closed (issue #9 D7), its port
// taken, its store unopenable, its store file deleted or replaced while it runs.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { batch, post } from "./helpers/batches.ts";
import { serverPool, startServerProcess, tempStore, waitFor } from "./helpers/server-process.ts";

const pool = serverPool();
const start = pool.start;
afterAll(pool.cleanup);

/** CPU time (user + system) of a process so far, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const sendEvent = (url: string, n: number) =>
  fetch(`${url}/v1/events`, {
    method: "POST",
    body: JSON.stringify({ event_id: `pf-${n}-${Date.now()}`, event_time: Date.now(), event_type: "log", event_name: "test.fault", n }),
  });

describe("stdout is a pipe that closes (telemetry-server | head -c 100)", () => {
  it("keeps serving without spinning, and SIGTERM still ends it promptly", async () => {
    const server = await start("epipe");
    // The reader goes away: every later write to the server's stdout fails with EPIPE.
    server.proc.stdout!.destroy();
    expect((await sendEvent(server.url, 1)).status).toBe(200); // logs "stream opened": the first EPIPE
    expect((await sendEvent(server.url, 2)).status).toBe(200);
    // Idle now: over two seconds of wall time a healthy server uses almost no CPU; the bug looped on write(1).
    const before = cpuTicks(server.pid);
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 >= 2000, "two seconds to pass");
    expect(cpuTicks(server.pid) - before).toBeLessThan(50);
    expect(await server.stop("SIGTERM", 10_000)).toBe(0);
  });
});

describe("startup failures: one line saying what and where, no stack trace, non-zero exit", () => {
  const startupError = async (args: string[], store?: string) => {
    const path = store ?? tempStore("startup");
    if (!store) pool.track(dirname(path));
    try {
      const s = await startServerProcess({ store: path, args });
      pool.track(s);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("the server started");
  };

  it("the port is taken: E_ADDR_IN_USE", async () => {
    const first = await start("port-owner");
    const out = await startupError(["--port", String(first.port)]);
    expect(out).toMatch(/server exited \(1\)/);
    expect(out).toMatch(/telemetry-server: E_ADDR_IN_USE: 127\.0\.0\.1:\d+ is already in use .* \(--port\)/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it("the store cannot be opened: E_IO, not E_BAD_PARAM", async () => {
    const out = await startupError([], "/proc/no-such-dir/telemetry.duckdb");
    expect(out).toMatch(/server exited \(1\)/);
    expect(out).toMatch(/telemetry-server: E_IO: cannot start with store \/proc\/no-such-dir\/telemetry\.duckdb: /);
    expect(out).not.toMatch(/E_BAD_PARAM|\n\s+at /);
  });

  it("a bad flag is still E_BAD_PARAM with exit 2", async () => {
    const out = await startupError(["--port", "70000"]);
    expect(out).toMatch(/server exited \(2\)/);
    expect(out).toMatch(/E_BAD_PARAM: port must be 0\.\.65535 \(--port\)/);
  });
});

describe("the store file is deleted or replaced while the server runs", () => {
  for (const how of ["deleted", "replaced"] as const) {
    it(`${how}: nothing more is acknowledged, with a clear error`, async () => {
      const server = await start(`lost-${how}`);
      expect((await post(server.url, batch("s", 1))).status).toBe(200);
      if (how === "deleted") rmSync(server.store);
      else {
        const other = join(dirname(server.store), "other.duckdb");
        writeFileSync(other, "not the same file");
        renameSync(other, server.store);
      }
      for (const seq of [2, 3]) {
        const r = await post(server.url, batch("s", seq));
        expect(r.status).toBe(500);
        expect(r.body.error.code).toBe("E_STORE");
        expect(r.body.error.message).toMatch(
          new RegExp(`store file .* was ${how === "deleted" ? "deleted" : "replaced by another file"} while the server ran; nothing more is acknowledged`),
        );
      }
      const ev = await sendEvent(server.url, 3);
      expect(ev.status).toBe(500);
    });
  }
});
