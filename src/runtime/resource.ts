// Resource attributes of a stream: who is sending. Defaults follow the OpenTelemetry resource
// semantic conventions; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are honoured like the
// OpenTelemetry SDKs do.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { AttrValue, Resource } from "../wire/batch.ts";

const instanceId = randomUUID();

export function defaultResource(overrides: Readonly<Record<string, AttrValue>> = {}): Resource {
  const fromEnv: Record<string, AttrValue> = {};
  for (const pair of (process.env.OTEL_RESOURCE_ATTRIBUTES ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) fromEnv[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return {
    "service.name": process.env.OTEL_SERVICE_NAME ?? "unknown_service:node",
    "service.instance.id": instanceId,
    "host.name": hostname(),
    "process.pid": process.pid,
    "process.runtime.name": "nodejs",
    "process.runtime.version": process.versions.node,
    ...fromEnv,
    ...overrides,
  };
}
