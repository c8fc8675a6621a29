// Starting the example's processes (the telemetry server, the service) as children of one script,
// and stopping exactly those again by pid. Every child runs TypeScript through tsx, the way the
// npm scripts do, so a fresh clone needs no build step.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Node flags that run the repository's TypeScript sources. */
export const TS_NODE_ARGS = ["--conditions=source", "--import", "tsx"];

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** The first capture group of the `ready` pattern (e.g. the URL the child listens on). */
  readonly ready: string;
  /** Everything the child printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the child is gone. */
  readonly exited: Promise<number | string>;
  /** Sends `signal` to this pid, waits; after `timeoutMs` sends SIGKILL. Resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export interface StartOptions {
  /** Shown before echoed lines. */
  readonly name: string;
  /** Script path relative to the repository root. */
  readonly script: string;
  readonly args?: readonly string[];
  /** A line the child prints once it is usable; its first group becomes `ready`. */
  readonly ready: RegExp;
  readonly timeoutMs?: number;
  /** Echo the child's output, each line prefixed with [name]. */
  readonly echo?: boolean;
  readonly env?: Readonly<Record<string, string>>;
}

export function startNode(options: StartOptions): Promise<Child> {
  const proc: ChildProcess = spawn(process.execPath, [...TS_NODE_ARGS, options.script, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let pending = "";
  const onData = (d: Buffer) => {
    out += d.toString();
    if (!options.echo) return;
    // Echo whole lines only, so two children's output never interleaves mid-line.
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) process.stdout.write(`[${options.name}] ${line}\n`);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<number | string> => {
    if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const result = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (result !== "timeout") return result;
    process.kill(proc.pid!, "SIGKILL");
    await exited;
    return "timeout";
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`${options.name} did not become ready in ${options.timeoutMs ?? 30_000} ms:\n${out}`));
    }, options.timeoutMs ?? 30_000);
    const check = () => {
      const m = options.ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off("data", check);
      proc.stderr!.off("data", check);
      resolve({ name: options.name, pid: proc.pid!, ready: m[1] ?? m[0], output: () => out, exited, stop });
    };
    proc.stdout!.on("data", check);
    proc.stderr!.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code}) before it was ready:\n${out}`));
    });
  });
}

/** The telemetry server on 127.0.0.1 (port 0 = any free port) with its DuckDB file at `store`. */
export function startTelemetryServer(store: string, options: { port?: number; echo?: boolean } = {}): Promise<Child> {
  return startNode({
    name: "telemetry-server",
    script: "src/cli/telemetry-server.ts",
    args: ["--store", store, "--host", "127.0.0.1", "--port", String(options.port ?? 0)],
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    echo: options.echo,
  });
}
