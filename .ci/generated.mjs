#!/usr/bin/env node
// Regenerates (default) or checks (--check) every committed generated module with the real
// telemetry-codegen CLI (dist/, so run `npm run build` first). Each file's header names its schema
// (`// source: <file>`, relative to the generated file), so the list is `git ls-files` and never
// goes stale. A committed Grafana dashboard beside a module (`<name>.dashboard.json` next to
// `<name>.generated.ts`) is written by the same run (`--grafana`); JSON has no comments, so its
// `description` carries the same `source: <file>`, which must agree with the module's.
// Exits 1 when any file is stale (--check) or fails to generate.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const files = execFileSync("git", ["ls-files", "*.generated.ts"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
const dashboards = new Set(execFileSync("git", ["ls-files", "*.dashboard.json"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean));
let failed = 0;
for (const file of files) {
  const source = /^\/\/ source: (.+)$/m.exec(readFileSync(join(root, file), "utf8"))?.[1];
  if (!source) {
    console.error(`${file}: no "// source: <schema>" header line; cannot tell which schema it comes from`);
    failed++;
    continue;
  }
  const schema = join(dirname(file), source);
  const dashboard = file.replace(/\.generated\.ts$/, ".dashboard.json");
  const withDashboard = dashboards.has(dashboard);
  if (withDashboard) {
    const described = /source: (\S+)$/.exec(JSON.parse(readFileSync(join(root, dashboard), "utf8")).description ?? "")?.[1];
    if (described !== source) {
      console.error(`${dashboard}: its description names source ${described ?? "(none)"}, but ${file} comes from ${source}`);
      failed++;
      continue;
    }
  }
  const args = ["bin/telemetry-codegen.js", schema, "--out", file, ...(withDashboard ? ["--grafana", dashboard] : []), ...(check ? ["--check"] : [])];
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) failed++;
}
console.log(`${check ? "checked" : "generated"} ${files.length + dashboards.size} files, ${failed} ${check ? "stale or failing" : "failing"}`);
process.exitCode = failed === 0 ? 0 : 1;
