// Exposure: a connection cap and header/body timeouts against clients that hold sockets open
// (slowloris), the token from a file, and a warning when listening beyond loopback without one.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { serverPool, startServerProcess, tempStore, waitFor } from "./helpers/server-process.ts";

const pool = serverPool();
const start = pool.start;
afterAll(pool.cleanup);

interface Probe {
  readonly socket: Socket;
  closed: boolean;
  received: string;
}
async function open(port: number): Promise<Probe> {
  const socket = connect(port, "127.0.0.1");
  const p: Probe = { socket, closed: false, received: "" };
  socket.on("data", (d: Buffer) => (p.received += d.toString()));
  socket.on("close", () => (p.closed = true));
  socket.on("error", () => undefined);
  await new Promise((r) => socket.once("connect", r));
  return p;
}

describe("slowloris", () => {
  it("connections past --max-connections are closed on arrival; idle ones are closed after --header-timeout", async () => {
    const server = await start("conn-cap", ["--max-connections", "4", "--header-timeout", "1s"]);
    const idle = await Promise.all([1, 2, 3, 4].map(() => open(server.port)));
    const extra = await open(server.port);
    await waitFor(() => extra.closed, "the fifth connection to be closed", 10_000);
    expect(extra.received).toBe("");
    expect(idle.some((p) => p.closed)).toBe(false);
    // Nothing arrives on the idle ones: each is closed once the header timeout passes.
    await waitFor(() => idle.every((p) => p.closed), "the idle connections to be closed", 10_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("a body trickling at one byte per 500 ms is cut with 408 after --body-timeout", async () => {
    const server = await start("body-timeout", ["--body-timeout", "2s", "--header-timeout", "1s"]);
    const p = await open(server.port);
    p.socket.write("POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: 1000\r\n\r\n");
    const trickle = setInterval(() => !p.closed && p.socket.write("{"), 500);
    try {
      await waitFor(() => p.closed, "the trickling connection to be cut", 15_000);
    } finally {
      clearInterval(trickle);
    }
    expect(p.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(p.received).toMatch(/"code":"E_TIMEOUT"/);
  });
});

describe("the token", () => {
  it("comes from --token-file, and --help says where it can come from", async () => {
    const file = join(dirname(tempStore("token")), "token");
    pool.track(dirname(file));
    writeFileSync(file, "s3cret-from-file\n");
    const server = await start("token-file", ["--token-file", file]);
    expect(server.output()).toMatch(/token=required/);
    expect((await fetch(`${server.url}/api/v1/series?metric=x`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/series?metric=x`, { headers: { authorization: "Bearer s3cret-from-file" } })).status).toBe(200);
    const cli = resolve(import.meta.dirname, "../../src/cli/telemetry-server.ts");
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=source", "--import", "tsx", cli, "--help"]);
    expect(stdout).toMatch(/--token-file <path>.*\[TELEMETRY_TOKEN_FILE\]/);
    expect(stdout).toMatch(/--token <token>.*visible in `ps`.*\[TELEMETRY_TOKEN\]/);
  });

  it("a non-loopback --host without a token prints a warning (192.0.2.1 is not local, so the listen then fails)", async () => {
    let out = "";
    try {
      const store = tempStore("warn");
      pool.track(dirname(store));
      pool.track(await startServerProcess({ store, args: ["--host", "192.0.2.1"] }));
    } catch (e) {
      out = (e as Error).message;
    }
    expect(out).toMatch(/warning: listening on 192\.0\.2\.1 without a token/);
    expect(out).toMatch(/E_IO: cannot listen on 192\.0\.2\.1:0: no such local address/);
  });
});
