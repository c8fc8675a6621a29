// Wire size: the same recorded intervals as percore msgpack deltas, OTLP protobuf and OTLP JSON
// (the OpenTelemetry JS SDK, serialized by @opentelemetry/otlp-transformer 0.223) and Prometheus
// text (prom-client); shape and scenarios in fixtures/wire-size-measure.ts, which runs in a child
// process so that only this suite's instances are in the stream. Sizes do not depend on speed,
// so the quick mode measures the same thing.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WireRow } from "./fixtures/wire-size-measure.ts";
import { writeResult, type SuiteContext } from "./harness.ts";

const WORKERS = 2;
const ROUTES = 25;
const SLOTS = 4;

export default async function wireSize(ctx: SuiteContext): Promise<void> {
  const script = fileURLToPath(new URL("./fixtures/wire-size-measure.ts", import.meta.url));
  const rows = JSON.parse(execFileSync(process.execPath, ["--conditions=source", "--import", "tsx", script], { encoding: "utf8" })) as WireRow[];
  console.log(`\n## Wire size per interval (${WORKERS * ROUTES} instances x ${SLOTS} slots; requests, body bytes, in-flight, 10-bound duration histogram)\n`);
  console.log("| interval | format | data points | bytes | bytes/point | gzip bytes | x percore (raw) | x percore (gzip) |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const ref = rows.find((o) => o.scenario === r.scenario && o.format === "percore msgpack")!;
    const perPoint = r.points ? (r.bytes / r.points).toFixed(1) : "-";
    console.log(
      `| ${r.scenario} | ${r.format} | ${r.points || "-"} | ${r.bytes} | ${perPoint} | ${r.gzip} | ${(r.bytes / ref.bytes).toFixed(1)} | ${(r.gzip / ref.gzip).toFixed(1)} |`,
    );
  }
  console.log(
    "\nData points are OpenTelemetry's (one per series and metric; a histogram is one point). Prometheus text and cumulative OTLP carry every series every time.",
  );
  writeResult("wire-size", ctx, { instances: WORKERS * ROUTES, slots: SLOTS, rows });
}
