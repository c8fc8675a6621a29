// The `telemetry-codegen` command. Exit codes: 0 success (or --check: everything fresh), 1 schema
// errors, stale outputs or write failures, 2 bad command line. Errors go to stderr, one per line,
// as `path:line:col: error: ...`; progress goes to stdout.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type CodegenError, formatError, usageError } from "./errors.ts";
import { checkOutputs, generate, generatorVersion, writeOutputs } from "./index.ts";

export const USAGE = `Usage: telemetry-codegen <schema.ts> [options]

Reads a percore schema statically (it is never executed) and writes typed metric classes.

Options:
  --out <file>            generated module (default: <schema dir>/<schema name>.generated.ts)
  --semconv <file.yaml>   also write an OpenTelemetry semantic-conventions registry
  --docs <file.md>        also write a Markdown table of every metric and attribute
  --grafana <file.json>   also write a Grafana dashboard for the telemetry server's PromQL API
  --check                 write nothing; exit 1 if any requested output is missing or stale
  --max-cardinality <n>   measurement slots allowed per metric set (default 2000)
  --runtime-import <s>    module the generated code imports (default percore/codegen-runtime)
  --help                  show this help
  --version               show the version
`;

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
  cwd: process.cwd(),
};

/** Runs the command; returns the exit code. */
export function main(argv: readonly string[], io: CliIo = defaultIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string" },
        semconv: { type: "string" },
        docs: { type: "string" },
        grafana: { type: "string" },
        check: { type: "boolean" },
        "max-cardinality": { type: "string" },
        "runtime-import": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
  } catch (e) {
    // Node's parseArgs messages continue with advice about `--`; the first sentence is the problem.
    const message = e instanceof Error ? e.message.split(". ")[0].replace(/\.$/, "") : String(e);
    return fail(io, [usageError(message, "Run telemetry-codegen --help.")]);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE.trimEnd());
    return 0;
  }
  if (values.version) {
    io.out(`telemetry-codegen ${generatorVersion()}`);
    return 0;
  }
  if (positionals.length !== 1)
    return fail(io, [
      usageError(
        positionals.length === 0 ? "no schema file given" : `expected one schema file, got ${positionals.length}`,
        "Run telemetry-codegen <schema.ts>; see --help.",
      ),
    ]);
  const rawMax = values["max-cardinality"];
  if (rawMax !== undefined && !/^\d+$/.test(rawMax))
    return fail(io, [usageError(`--max-cardinality must be a whole number, not "${rawMax}"`, "Pass a number of slots, e.g. --max-cardinality 5000.")]);

  const result = generate({
    schema: positionals[0],
    out: values.out,
    semconv: values.semconv,
    docs: values.docs,
    grafana: values.grafana,
    maxCardinality: rawMax === undefined ? undefined : Number(rawMax),
    runtimeImport: values["runtime-import"],
    cwd: io.cwd,
  });
  if (!result.ok) return fail(io, result.errors);

  if (values.check) {
    const stale = checkOutputs(result.outputs);
    if (stale.length > 0) return fail(io, stale);
    io.out(`telemetry-codegen: ${result.outputs.length} file${result.outputs.length === 1 ? "" : "s"} up to date`);
    return 0;
  }
  const report = writeOutputs(result.outputs);
  for (const o of report.written) io.out(`telemetry-codegen: wrote ${o.displayPath}`);
  for (const o of report.unchanged) io.out(`telemetry-codegen: unchanged ${o.displayPath}`);
  return report.errors.length > 0 ? fail(io, report.errors) : 0;
}

function fail(io: CliIo, errors: readonly CodegenError[]): number {
  for (const e of errors) io.err(formatError(e));
  return errors.every((e) => e.code === "E_USAGE") ? 2 : 1;
}

// Run when executed directly (`node --import tsx codegen/cli.ts`); the bin shim calls main itself.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
