// Runs the real telemetry server as a child process on 127.0.0.1 with a DuckDB file under .tmp/,
// the way a user runs it (through the CLI), and stops it by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

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

export async function startServerProcess(options: { store: string; port?: number; args?: string[]; env?: Record<string, string> }): Promise<ServerProcess> {
  const args = ["--conditions=source", "--import", "tsx", CLI, "--store", options.store, "--port", String(options.port ?? 0), ...(options.args ?? [])];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
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
