// Codegen errors are values: the reader, the validator and the writers return them instead of
// throwing, so one run reports every problem it can find and callers (CLI, tests, build tools)
// can branch on a stable code rather than on message text.
import type { SchemaIssueCode } from "../src/schema/validate.ts";

export type CodegenErrorCode =
  | SchemaIssueCode
  /** Bad command line or options (unknown flag, missing schema argument, --out pointing at the schema). */
  | "E_USAGE"
  /** The schema file cannot be read. */
  | "E_NO_FILE"
  /** TypeScript cannot parse the schema file. */
  | "E_SYNTAX"
  /** A name that `percore/schema` does not export, or a schema value imported from another module. */
  | "E_UNKNOWN_IMPORT"
  /** A value the static reader cannot compute (a call, a spread, an expression, a non-const identifier). */
  | "E_UNRESOLVABLE"
  /** Something under `metrics:` that is not a call to a DSL instrument. */
  | "E_UNKNOWN_INSTRUMENT"
  /** A DSL call with the wrong number or type of arguments. */
  | "E_BAD_ARGUMENT"
  /** An option key the DSL function does not take (often a typo). */
  | "E_UNKNOWN_OPTION"
  /** An option whose value is outside its domain (value type, stability, maxInstances). */
  | "E_BAD_VALUE"
  /** The same key twice in one object literal. */
  | "E_DUP_KEY"
  /** A property key that cannot be used in the generated code (not an identifier, or reserved). */
  | "E_BAD_KEY"
  /** Two generated identifiers would be the same. */
  | "E_NAME_CLASH"
  /** A metricSet/attributes call that is not the initializer of a top-level const. */
  | "E_NOT_CONST"
  /** The file declares no metric set. */
  | "E_NO_SETS"
  /** An output file could not be written. */
  | "E_WRITE"
  /** --check: an output file differs from what the generator produces now. */
  | "E_STALE"
  /** --check: an output file does not exist. */
  | "E_MISSING_OUTPUT";

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units as TypeScript counts them. */
  readonly col: number;
}

export interface CodegenError {
  readonly code: CodegenErrorCode;
  /** The file the error is about, relative to the working directory when inside it. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** What is wrong, without a trailing period. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

export const FILE_START: Position = { line: 1, col: 1 };

export function codegenError(code: CodegenErrorCode, file: string, at: Position, message: string, hint: string): CodegenError {
  return { code, file, line: at.line, col: at.col, message, hint };
}

/** `path:line:col: error: <what is wrong>. <how to fix> [CODE]` - the shape editors and CI annotators parse. */
export function formatError(e: CodegenError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.col}` : e.file;
  return `${where}: error: ${e.message}. ${e.hint} [${e.code}]`;
}

/** An error about the command line rather than a file: printed as `telemetry-codegen: error: ...`. */
export function usageError(message: string, hint: string): CodegenError {
  return { code: "E_USAGE", file: "telemetry-codegen", line: 0, col: 0, message, hint };
}

/** Reports in file order, so the output reads top to bottom like the schema. */
export function sortErrors(errors: readonly CodegenError[]): CodegenError[] {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...errors].sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.col - b.col || cmp(a.code, b.code));
}
