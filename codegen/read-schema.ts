// Reads a schema file into the plain schema shape, statically. The file is parsed by TypeScript
// (through ts-morph, in an in-memory project so nothing else on disk is touched or type-checked)
// and only its top-level `const X = metricSet(...)` / `const X = attributes(...)` declarations are
// interpreted; X becomes the generated class or interface name.
import { Node, Project, ts, type VariableDeclaration, VariableDeclarationKind } from "ts-morph";
import type { EventGroupInput, MetricSetInput, SchemaInput } from "../src/schema/validate.ts";
import { type CodegenError, type Position, FILE_START, codegenError } from "./errors.ts";
import { Interpreter } from "./interpret.ts";
import { EventInterpreter } from "./interpret-events.ts";
import { ReadContext, collectImports, unwrap } from "./read-context.ts";
import { StaticReader } from "./static-value.ts";

export interface ReadResult {
  readonly schema: SchemaInput<Position>;
  readonly errors: readonly CodegenError[];
}

const SET_FUNCTIONS = ["metricSet", "attributes", "events"];

/** `file` is the path shown in errors; `text` the file's content. */
export function readSchema(file: string, text: string): ReadResult {
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true, compilerOptions: { noLib: true } });
  const sourceFile = project.createSourceFile("/schema.ts", text);
  const ctx = new ReadContext(file, sourceFile);
  const empty: SchemaInput<Position> = { attributeSets: [], metricSets: [] };

  // The parser recovers from syntax errors with a guessed tree; reading values out of a guess
  // would produce confusing follow-up errors, so syntax errors are reported alone.
  const syntax = project.getProgram().compilerObject.getSyntacticDiagnostics(sourceFile.compilerNode);
  if (syntax.length > 0) {
    const errors = syntax.map((d) => {
      const { line, column } = sourceFile.getLineAndColumnAtPos(d.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\.$/, "");
      return codegenError("E_SYNTAX", file, { line, col: column }, `syntax error: ${message}`, "Fix the TypeScript syntax; the schema must parse before it can be read.");
    });
    return { schema: empty, errors };
  }

  const scope = collectImports(ctx);
  const consts = new Map<string, VariableDeclaration>();
  const mutable = new Set<string>();
  const statements = sourceFile.getStatements();
  for (const st of statements) {
    if (Node.isVariableStatement(st)) {
      const isConst = st.getDeclarationKind() === VariableDeclarationKind.Const;
      for (const d of st.getDeclarations()) {
        if (!Node.isIdentifier(d.getNameNode())) continue;
        if (isConst) consts.set(d.getName(), d);
        else mutable.add(d.getName());
      }
    } else if (Node.isFunctionDeclaration(st) || Node.isClassDeclaration(st) || Node.isEnumDeclaration(st)) {
      const name = st.getName();
      if (name) mutable.add(name);
    }
  }
  const reader = new StaticReader(ctx, scope, consts, mutable);
  const interpreter = new Interpreter(ctx);
  const metricSets: MetricSetInput<Position>[] = [];
  const eventInterpreter = new EventInterpreter(ctx, interpreter);
  const eventGroups: EventGroupInput<Position>[] = [];
  let declaredSets = 0;

  for (const st of statements) {
    if (Node.isVariableStatement(st)) {
      for (const d of st.getDeclarations()) {
        const fn = setFunction(reader, d.getInitializer());
        if (fn === undefined) continue;
        if (fn === "metricSet" || fn === "events") declaredSets++;
        if (st.getDeclarationKind() !== VariableDeclarationKind.Const || !Node.isIdentifier(d.getNameNode())) {
          ctx.report(
            "E_NOT_CONST",
            d,
            `\`${fn}(...)\` must initialize a plain \`const\``,
            "Write `export const Name = " + fn + "(...)`; the const's name becomes the generated name.",
          );
          continue;
        }
        const value = reader.evaluateConst(d);
        if (value?.kind !== "dsl") continue;
        if (fn === "attributes") interpreter.attributeSet(value);
        else if (fn === "events") {
          const group = eventInterpreter.group(value);
          if (group) eventGroups.push(group);
        } else {
          const set = interpreter.metricSet(value);
          if (set) metricSets.push(set);
        }
      }
    } else if (Node.isExpressionStatement(st) || Node.isExportAssignment(st)) {
      const fn = setFunction(reader, st.getExpression());
      if (fn !== undefined) {
        if (fn === "metricSet" || fn === "events") declaredSets++;
        ctx.report(
          "E_NOT_CONST",
          st,
          `\`${fn}(...)\` is not assigned to a top-level const`,
          "Write `export const Name = " + fn + "(...)`; the const's name becomes the generated name.",
        );
      }
    }
  }
  if (declaredSets === 0)
    ctx.errors.push(
      codegenError(
        "E_NO_SETS",
        file,
        FILE_START,
        "the schema declares no metric set or event group",
        `Declare one: export const Http = metricSet("http.server", { metrics: { ... } }), with metricSet imported from "percore/schema".`,
      ),
    );
  return { schema: { attributeSets: interpreter.attributeSets, metricSets, eventGroups }, errors: ctx.errors };
}

function setFunction(reader: StaticReader, init: Node | undefined): string | undefined {
  if (!init) return undefined;
  const node = unwrap(init);
  if (!Node.isCallExpression(node)) return undefined;
  const fn = reader.dslFunction(node);
  return fn !== undefined && SET_FUNCTIONS.includes(fn) ? fn : undefined;
}
