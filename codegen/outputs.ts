// Writing and checking generated files. All outputs are written to temporary files next to their
// targets first and renamed into place only when every write succeeded, so a failed run never
// leaves a half-written or partially updated set of files behind.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type CodegenError, FILE_START, codegenError } from "./errors.ts";

export type OutputKind = "module" | "semconv" | "docs" | "grafana";

export interface OutputFile {
  readonly kind: OutputKind;
  /** Absolute path. */
  readonly path: string;
  /** Path as shown in messages (relative to the working directory when inside it). */
  readonly displayPath: string;
  readonly content: string;
}

export interface WriteReport {
  readonly written: readonly OutputFile[];
  readonly unchanged: readonly OutputFile[];
  readonly errors: readonly CodegenError[];
}

const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

/** Writes the outputs that changed; files already up to date are not touched (their mtime stays). */
export function writeOutputs(outputs: readonly OutputFile[]): WriteReport {
  const changed = outputs.filter((o) => readIfExists(o.path) !== o.content);
  const unchanged = outputs.filter((o) => !changed.includes(o));
  const temps: string[] = [];
  for (const o of changed) {
    const temp = join(dirname(o.path), `.${basename(o.path)}.${process.pid}.tmp`);
    try {
      mkdirSync(dirname(o.path), { recursive: true });
      writeFileSync(temp, o.content);
      temps.push(temp);
    } catch (e) {
      for (const t of [...temps, temp]) removeQuietly(t);
      return { written: [], unchanged, errors: [writeError(o, e, "Check that the directory is writable; nothing was written.")] };
    }
  }
  // Renames within one directory are atomic; past this point only a vanished directory can fail.
  const errors: CodegenError[] = [];
  const written: OutputFile[] = [];
  changed.forEach((o, i) => {
    try {
      renameSync(temps[i], o.path);
      written.push(o);
    } catch (e) {
      removeQuietly(temps[i]);
      errors.push(writeError(o, e, "The other outputs were written; rerun after fixing the directory."));
    }
  });
  return { written, unchanged, errors };
}

/** For --check: every output that is missing or differs from what would be generated now. */
export function checkOutputs(outputs: readonly OutputFile[]): CodegenError[] {
  const errors: CodegenError[] = [];
  for (const o of outputs) {
    const onDisk = readIfExists(o.path);
    if (onDisk === undefined)
      errors.push(
        codegenError("E_MISSING_OUTPUT", o.displayPath, FILE_START, `generated ${o.kind} file is missing`, "Run telemetry-codegen without --check to create it."),
      );
    else if (onDisk !== o.content)
      errors.push(
        codegenError(
          "E_STALE",
          o.displayPath,
          firstDifference(onDisk, o.content),
          `generated ${o.kind} file is out of date with its schema`,
          "Run telemetry-codegen without --check to regenerate it.",
        ),
      );
  }
  return errors;
}

/** Line and column of the first differing character, so the report points at the stale part. */
function firstDifference(a: string, b: string): { line: number; col: number } {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const before = a.slice(0, i);
  const line = before.split("\n").length;
  return { line, col: i - before.lastIndexOf("\n") };
}

/** Cleanup must not hide the error being reported (rmSync throws ENOTDIR even with force). */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was created there
  }
}

function writeError(o: OutputFile, e: unknown, hint: string): CodegenError {
  const reason = e instanceof Error ? e.message : String(e);
  return codegenError("E_WRITE", o.displayPath, FILE_START, `cannot write the generated ${o.kind} file: ${reason}`, hint);
}
