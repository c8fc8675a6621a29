// The real Prometheus tools, as installed by .ci/install-prometheus.sh (Debian's `prometheus`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PROMTOOL = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((p) => existsSync(p));
export const PROMETHEUS = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].find((p) => existsSync(p));

/** `promtool check metrics` with the exposition on stdin: exit code and everything it printed. */
export function promtoolCheck(text: string): { code: number; output: string } {
  if (!PROMTOOL) throw new Error("promtool is not installed: run .ci/install-prometheus.sh");
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
