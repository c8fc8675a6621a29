// Real remote-write receivers on 127.0.0.1, on free ports with temporary storage, stopped by pid:
// Prometheus 2.42 (Debian's package) with its remote-write receiver, and VictoriaMetrics (Debian's
// `victoria-metrics`, whose single-node binary takes remote write on /api/v1/write like its
// cluster's vminsert). `stop({ keepData: true })` then `restart()` brings one back on the same
// port with the same data (the forwarding tests stop a receiver for a while).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROMETHEUS } from "../../interop/helpers/tools.ts";
import { freePort } from "../../server/helpers/server-process.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
export const VICTORIA_METRICS = ["/usr/bin/victoria-metrics", "/usr/local/bin/victoria-metrics"].find((p) => existsSync(p));

export interface RealPrometheus {
  readonly url: string;
  /** Where remote-write requests go. */
  readonly writeUrl: string;
  readonly pid: () => number | undefined;
  /** Everything it printed so far. */
  output(): string;
  /**
   * SIGKILL by default; with keepData the storage stays for restart(), and SIGTERM lets it flush
   * first (VictoriaMetrics keeps the last second of samples in memory).
   */
  stop(options?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
}

interface Receiver {
  readonly name: string;
  readonly binary: string | undefined;
  args(dir: string, port: number): string[];
  readonly readyPath: string;
}

const PROM: Receiver = {
  name: "prometheus",
  binary: PROMETHEUS,
  args: (dir, port) => [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-remote-write-receiver",
    "--log.level=warn",
  ],
  readyPath: "/-/ready",
};

const VM: Receiver = {
  name: "victoria-metrics",
  binary: VICTORIA_METRICS,
  // latencyOffset 0 and no cache: a sample is queryable as soon as it is flushed (/internal/force_flush).
  // Deduplication at 1 ms keeps one sample per series and timestamp: a resent span's samples
  // (identical) are stored once, as docs/scale.md advises for receivers of a forwarding server.
  args: (dir, port) => [
    "-dedup.minScrapeInterval=1ms",
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${join(dir, "data")}`,
    "-search.latencyOffset=0",
    "-search.disableCache",
    "-loggerLevel=ERROR",
  ],
  readyPath: "/health",
};

async function startReceiver(r: Receiver): Promise<RealPrometheus> {
  if (!r.binary) throw new Error(`${r.name} is not installed: run .ci/install-prometheus.sh`);
  const binary = r.binary;
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", `${r.name}-rw-`));
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  let proc: ChildProcess | undefined;
  const launch = async () => {
    const p = spawn(binary, r.args(dir, port), { stdio: ["ignore", "pipe", "pipe"] });
    proc = p;
    p.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (p.exitCode !== null) throw new Error(`${r.name} exited:\n${log}`);
      const ok = await fetch(`${url}${r.readyPath}`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${r.name} not ready in 60 s:\n${log}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  await launch();
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    pid: () => proc?.pid,
    output: () => log,
    async stop(options = {}) {
      const p = proc;
      if (p && p.exitCode === null && p.signalCode === null && p.pid) {
        const exited = new Promise((res) => p.once("exit", res));
        process.kill(p.pid, options.signal ?? "SIGKILL");
        await exited;
      }
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
    restart: launch,
  };
}

export const startPrometheus = (): Promise<RealPrometheus> => startReceiver(PROM);
export const startVictoriaMetrics = (): Promise<RealPrometheus> => startReceiver(VM);
