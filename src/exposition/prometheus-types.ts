// Which Prometheus family type each instrument is exposed as. One table for both producers of the
// exposition (the SDK's pull endpoint and the telemetry server's /metrics).
import type { InstrumentKind } from "../schema/instruments.ts";
import type { FamilyType } from "./prometheus-text.ts";

export const PROM_TYPE: Readonly<Record<InstrumentKind, FamilyType>> = {
  counter: "counter",
  upDownCounter: "gauge",
  gauge: "gauge",
  histogram: "histogram",
  mmsc: "summary",
};
