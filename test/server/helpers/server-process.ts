// Runs the real telemetry server as a child process on 127.0.0.1 with a DuckDB file under .tmp/,
// the way a user runs it (through the CLI), and stops it by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "src/cli/telemetry-server.ts");

export function tempStore(name: string): string {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  return join(mkdtempSync(join(ROOT, ".tmp", `server-${name}-`)), "telemetry.duckdb");
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly proc: ChildProcess;
  readonly store: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (or signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export async function startServerProcess(options: {
  store: string;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
  nodeArgs?: string[];
}): Promise<ServerProcess> {
  const args = [
    ...(options.nodeArgs ?? []),
    "--conditions=source",
    "--import",
    "tsx",
    CLI,
    "--store",
    options.store,
    "--port",
    String(options.port ?? 0),
    ...(options.args ?? []),
  ];
  // The libuv pool size bin/telemetry-server.cjs sets (tests run the CLI's source, not the bin).
  const env = { UV_THREADPOOL_SIZE: "32", ...process.env, ...options.env };
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<number | string>((r) => proc.once("exit", (code, signal) => r(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exited.then((c) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${c}) before listening:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid!,
    proc,
    store: options.store,
    output: () => out,
    stop: async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000) => {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, signal);
      // A server that does not stop in time is killed, and the caller sees "timeout".
      const timer = new Promise<string>((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
      const r = await Promise.race([exited, timer]);
      if (r === "timeout") {
        process.kill(proc.pid!, "SIGKILL");
        await exited;
      }
      return r;
    },
  };
}

/** A port that was free a moment ago (for "the server does not exist yet"). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

export async function query(url: string, sql: string, token?: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/api/v1/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ sql }),
  });
  const body = (await res.json()) as { rows?: unknown[][]; error?: unknown };
  if (!body.rows) throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.rows;
}

export async function scalar(url: string, sql: string, token?: string): Promise<number> {
  return Number((await query(url, sql, token))[0][0]);
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (generous: the machine is busy). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  await until(async () => ((await condition()) ? true : undefined), what, timeoutMs);
}

/**
 * Servers a test file starts, each on its own store, and everything they leave behind:
 * `start(name, args)` starts one; `track` adopts a server or a directory started otherwise;
 * `cleanup()` (for afterAll) kills them and deletes their stores.
 */
export function serverPool() {
  let started: ServerProcess[] = [];
  let dirs: string[] = [];
  const startOn = async (store: string, args: string[] = []): Promise<ServerProcess> => {
    dirs.push(dirname(store));
    const s = await startServerProcess({ store, args });
    started.push(s);
    return s;
  };
  return {
    /** A server on a new temporary store named after `name`. */
    start: (name: string, args: string[] = []): Promise<ServerProcess> => startOn(tempStore(name), args),
    /** A server on the given store (e.g. a restart on the same file). */
    startOn,
    track(s: ServerProcess | string): void {
      if (typeof s === "string") dirs.push(s);
      else started.push(s);
    },
    /** Kills every server and removes their stores (afterEach or afterAll). */
    async cleanup(): Promise<void> {
      for (const s of started) await s.stop("SIGKILL");
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      started = [];
      dirs = [];
    },
  };
}

/** One SQL request, whatever its answer: status, parsed body, headers. */
export async function sql(url: string, statement: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/api/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: statement, ...extra }) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
