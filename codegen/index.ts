// Programmatic entry point of the generator (`percore/codegen`): read, validate, emit - in memory.
// Nothing here touches the output files; writeOutputs/checkOutputs do, so callers (the CLI, a
// build plugin, tests) decide what happens with the result.
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { MetricSetDescriptor } from "../src/schema/descriptor.ts";
import { VERSION } from "../src/schema/version.ts";
import { DEFAULT_MAX_CARDINALITY, validateSchema } from "../src/schema/validate.ts";
import { buildDescriptors, buildEventDescriptors } from "./descriptors.ts";
import { emitDocs } from "./emit-docs.ts";
import { emitGrafana } from "./emit-grafana.ts";
import { DEFAULT_RUNTIME_IMPORT, emitModule } from "./emit-module.ts";
import { emitSemconv } from "./emit-semconv.ts";
import { type CodegenError, FILE_START, codegenError, sortErrors, usageError } from "./errors.ts";
import { checkIdentifiers } from "./identifiers.ts";
import type { OutputFile, OutputKind } from "./outputs.ts";
import { readSchema } from "./read-schema.ts";
import { posixPath } from "./text.ts";

export type { CodegenError, CodegenErrorCode } from "./errors.ts";
export { formatError } from "./errors.ts";
export type { OutputFile, WriteReport } from "./outputs.ts";
export { checkOutputs, writeOutputs } from "./outputs.ts";
export { DEFAULT_RUNTIME_IMPORT } from "./emit-module.ts";

/** Upper limit for --max-cardinality: keeps every slot index far from the -0x40000000 "unknown" marker. */
export const MAX_CARDINALITY_LIMIT = 1_000_000;

export interface GenerateOptions {
  /** The schema file, relative to `cwd` or absolute. */
  readonly schema: string;
  /** Generated module; default `<schema dir>/<schema name>.generated.ts`. */
  readonly out?: string;
  /** Also emit an OpenTelemetry semantic-convention registry YAML here. */
  readonly semconv?: string;
  /** Also emit a Markdown table of every metric here. */
  readonly docs?: string;
  /** Also emit a Grafana dashboard (JSON) for the server's Prometheus query API here. */
  readonly grafana?: string;
  /** Budget for the measurement slots of one set (default 2000). */
  readonly maxCardinality?: number;
  /** Module specifier the generated code imports the runtime from (default `percore/codegen-runtime`). */
  readonly runtimeImport?: string;
  /** Base for relative paths and for the paths shown in messages (default process.cwd()). */
  readonly cwd?: string;
}

export type GenerateResult =
  | { readonly ok: true; readonly outputs: readonly OutputFile[]; readonly descriptors: readonly MetricSetDescriptor[] }
  | { readonly ok: false; readonly errors: readonly CodegenError[] };

export function generate(options: GenerateOptions): GenerateResult {
  const cwd = options.cwd ?? process.cwd();
  const schemaPath = resolve(cwd, options.schema);
  const shown = (p: string): string => displayPath(cwd, p);
  const targets: [OutputKind, string | undefined][] = [
    ["module", resolve(cwd, options.out ?? join(dirname(schemaPath), `${basename(schemaPath).replace(/\.[cm]?tsx?$/, "")}.generated.ts`))],
    ["semconv", options.semconv === undefined ? undefined : resolve(cwd, options.semconv)],
    ["docs", options.docs === undefined ? undefined : resolve(cwd, options.docs)],
    ["grafana", options.grafana === undefined ? undefined : resolve(cwd, options.grafana)],
  ];
  const requested = targets.filter((t): t is [OutputKind, string] => t[1] !== undefined);

  const usage: CodegenError[] = [];
  const maxCardinality = options.maxCardinality ?? DEFAULT_MAX_CARDINALITY;
  if (!Number.isInteger(maxCardinality) || maxCardinality < 1 || maxCardinality > MAX_CARDINALITY_LIMIT)
    usage.push(usageError(`--max-cardinality must be an integer from 1 to ${MAX_CARDINALITY_LIMIT}, not ${maxCardinality}`, "Pass a whole number of slots."));
  for (const [kind, path] of requested) {
    if (path === schemaPath) usage.push(usageError(`the ${kind} output ${shown(path)} is the schema file itself`, "Choose another output path."));
    if (requested.some(([k, p]) => p === path && k !== kind))
      usage.push(usageError(`the ${kind} output ${shown(path)} is also used for another output`, "Give every output its own path."));
  }
  if (usage.length > 0) return { ok: false, errors: usage };

  let text: string;
  try {
    text = readFileSync(schemaPath, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      errors: [
        codegenError(
          "E_NO_FILE",
          shown(schemaPath),
          FILE_START,
          `cannot read the schema file ${shown(schemaPath)}: ${reason}`,
          "Check the path; it is resolved from the current directory.",
        ),
      ],
    };
  }

  const file = shown(schemaPath);
  const read = readSchema(file, text);
  const errors = [...read.errors];
  if (!errors.some((e) => e.code === "E_SYNTAX")) {
    for (const issue of validateSchema(read.schema, { maxCardinality })) errors.push(codegenError(issue.code, file, issue.at, issue.message, issue.hint));
    errors.push(...checkIdentifiers(read.schema, file));
  }
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };

  const descriptors = buildDescriptors(read.schema);
  const eventDescriptors = buildEventDescriptors(read.schema);
  const version = generatorVersion();
  const source = (out: string): string => posixPath(relative(dirname(out), schemaPath));
  const outputs = requested.map(([kind, path]): OutputFile => {
    const header = { version, source: source(path) };
    const content =
      kind === "module"
        ? emitModule(read.schema, descriptors, { ...header, runtimeImport: options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT }, eventDescriptors)
        : kind === "semconv"
          ? emitSemconv(read.schema, descriptors, header, eventDescriptors)
          : kind === "docs"
            ? emitDocs(read.schema, descriptors, header, eventDescriptors)
            : emitGrafana(descriptors, header);
    return { kind, path, displayPath: shown(path), content };
  });
  return { ok: true, outputs, descriptors };
}

/** Paths in messages: relative to the working directory when inside it, `/`-separated. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return posixPath(rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel);
}

/** The percore version (the runtime reads it from package.json; generated headers carry it). */
export const generatorVersion = (): string => VERSION;
