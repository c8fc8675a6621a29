// A real Prometheus 2.42 (Debian's package) with the remote-write receiver, on 127.0.0.1 with a
// free port and a temporary storage directory, stopped by pid.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROMETHEUS } from "../../interop/helpers/tools.ts";
import { freePort } from "../../server/helpers/server-process.ts";

const ROOT = resolve(import.meta.dirname, "../../..");

export interface RealPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPrometheus(): Promise<RealPrometheus> {
  if (!PROMETHEUS) throw new Error("prometheus is not installed: run .ci/install-prometheus.sh");
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "prometheus-rw-"));
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const port = await freePort();
  let log = "";
  const proc: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-remote-write-receiver",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${log}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready in 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null && proc.pid) {
        const exited = new Promise((r) => proc.once("exit", r));
        process.kill(proc.pid, "SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
