// Exporters described by options instead of built as objects, so that the collector thread
// (`new Collector({ thread: true })`) can build them itself: an object cannot cross into another
// thread, a description can. The built-in kinds are loaded from percore's own entry points by name
// (the runtime layer never imports the exporters; the thread resolves them like any custom module),
// and a custom exporter is any class exported by a module the thread can import.
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { Exporter } from "./exporter.ts";

/** A built-in exporter by kind; every other key is the exporter's own options (see its class). */
export interface BuiltinExporterSpec {
  /**
   * "server": ServerExporter, "otlp": OtlpExporter (percore/otlp), "prometheus": PrometheusExporter (its HTTP server then runs in
   * the collector thread), "console": ConsoleExporter; event sinks: "otlp-logs": OtlpLogsExporter (percore/otlp), "ndjson-events":
   * NdjsonEventSink, "console-events": ConsoleEventSink. A filter wrapper takes a function, which cannot cross threads: use
   * kind "module" with a sink class of your own.
   */
  readonly kind: "server" | "otlp" | "prometheus" | "console" | "otlp-logs" | "ndjson-events" | "console-events";
  readonly [option: string]: unknown;
}

/** A custom exporter: `new (await import(module))[exportName](options)`. */
export interface ModuleExporterSpec {
  readonly kind: "module";
  /** A file URL, an absolute path or a package specifier (relative paths are refused: relative to what, in another thread?). */
  readonly module: string;
  /** The exported class (default "default"). */
  readonly export?: string;
  /** Passed to the constructor; must survive structured cloning (no functions). */
  readonly options?: unknown;
}

export type ExporterSpec = BuiltinExporterSpec | ModuleExporterSpec;

const BUILTIN: Record<BuiltinExporterSpec["kind"], { module: string; export: string }> = {
  server: { module: "percore/export", export: "ServerExporter" },
  prometheus: { module: "percore/export", export: "PrometheusExporter" },
  console: { module: "percore/export", export: "ConsoleExporter" },
  otlp: { module: "percore/otlp", export: "OtlpExporter" },
  "otlp-logs": { module: "percore/otlp", export: "OtlpLogsExporter" },
  "ndjson-events": { module: "percore/export", export: "NdjsonEventSink" },
  "console-events": { module: "percore/export", export: "ConsoleEventSink" },
};

export function isExporterSpec(e: unknown): e is ExporterSpec {
  return typeof e === "object" && e !== null && typeof (e as { kind?: unknown }).kind === "string" && typeof (e as { export?: unknown }).export !== "function";
}

export interface SpecError {
  readonly code: "exporter-spec-invalid" | "exporter-module-failed";
  readonly message: string;
}

/** Checks a spec where it is written (the main thread), so a typo fails at `new Collector`, not later in the thread. */
export function checkExporterSpec(spec: ExporterSpec, index: number): SpecError | undefined {
  const where = `exporters[${index}]`;
  if (spec.kind === "module") {
    if (typeof spec.module !== "string" || spec.module === "")
      return { code: "exporter-spec-invalid", message: `${where}: kind "module" needs module (a file URL, absolute path or package name)` };
    if (spec.module.startsWith(".")) {
      return {
        code: "exporter-spec-invalid",
        message: `${where}: module ${JSON.stringify(spec.module)} is relative; pass new URL(${JSON.stringify(spec.module)}, import.meta.url).href or an absolute path`,
      };
    }
    return undefined;
  }
  if (!(spec.kind in BUILTIN)) {
    return {
      code: "exporter-spec-invalid",
      message: `${where}: unknown exporter kind ${JSON.stringify(spec.kind)}; use one of ${[...Object.keys(BUILTIN), "module"].join(", ")}`,
    };
  }
  for (const [key, value] of Object.entries(spec)) {
    if (typeof value === "function")
      return {
        code: "exporter-spec-invalid",
        message: `${where}: option ${key} is a function, which cannot reach the collector thread; pass an exporter object instead (it then runs on this thread)`,
      };
  }
  return undefined;
}

/** Builds the exporter a spec describes, in the calling thread (the collector thread). */
export async function buildExporter(spec: ExporterSpec): Promise<Exporter> {
  let module: string;
  let name: string;
  let options: unknown;
  if (spec.kind === "module") {
    module = isAbsolute(spec.module) ? pathToFileURL(spec.module).href : spec.module;
    name = spec.export ?? "default";
    options = spec.options;
  } else {
    ({ module, export: name } = BUILTIN[spec.kind]);
    const { kind: _kind, ...rest } = spec;
    options = rest;
  }
  const loaded = (await import(module)) as Record<string, unknown>;
  const Ctor = loaded[name];
  if (typeof Ctor !== "function") throw new TypeError(`exporter module ${module} has no exported class ${name}`);
  const exporter = new (Ctor as new (o: unknown) => Exporter)(options);
  if (typeof exporter?.export !== "function") throw new TypeError(`${module} ${name}: not an exporter (no export(batch) method)`);
  return exporter;
}
