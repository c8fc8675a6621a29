// What the static reader knows about one schema file before reading any value: its source, where
// errors go, and which local names are the DSL functions (through imports from `percore/schema`,
// aliases and namespace imports included). A call is only a DSL call when its callee is one of
// those names; a function that merely has the same name, imported from elsewhere, is not.
import { Node, type SourceFile } from "ts-morph";
import { ATTRIBUTE_FUNCTIONS } from "../src/schema/attributes.ts";
import { INSTRUMENT_FUNCTIONS } from "../src/schema/instruments.ts";
import { type CodegenError, type CodegenErrorCode, type Position, codegenError } from "./errors.ts";

export const SCHEMA_MODULE = "percore/schema";

/** The value exports of `percore/schema` (a test checks this against src/schema/index.ts). */
export const DSL_FUNCTIONS: readonly string[] = [
  ...Object.keys(INSTRUMENT_FUNCTIONS),
  ...Object.keys(ATTRIBUTE_FUNCTIONS),
  "oneOf",
  "attributes",
  "metricSet",
  "events",
  "event",
];

/** The type exports of `percore/schema`: importing them is fine, they never carry values. */
export const DSL_TYPES: readonly string[] = [
  "InstrumentKind",
  "InstrumentOptions",
  "HistogramOptions",
  "InstrumentSpec",
  "ValueType",
  "Stability",
  "AttributeSpec",
  "AttributeSetSpec",
  "AttributeType",
  "EnumSpec",
  "AttributeOptions",
  "MetricSetSpec",
  "MetricSetOptions",
  "MetricSetDescriptor",
  "FieldDescriptor",
  "EntityAttributeDescriptor",
  "MeasureDescriptor",
  "EventSpec",
  "EventOptions",
  "EventGroupSpec",
  "EventGroupOptions",
  "EventFieldSpec",
  "Severity",
  "EventGroupDescriptor",
  "EventDescriptor",
  "EventFieldDescriptor",
];

export interface ImportScope {
  /** Local name -> DSL function name (`import { counter as c }` maps `c` -> `counter`). */
  readonly dsl: ReadonlyMap<string, string>;
  /** Local names of `import * as s from "percore/schema"`. */
  readonly namespaces: ReadonlySet<string>;
  /** Local name -> module specifier, for value imports from any other module. */
  readonly foreign: ReadonlyMap<string, string>;
}

/** Collects errors with positions in the schema file. */
export class ReadContext {
  readonly errors: CodegenError[] = [];

  constructor(
    readonly file: string,
    readonly sourceFile: SourceFile,
  ) {}

  position(node: Node): Position {
    const { line, column } = this.sourceFile.getLineAndColumnAtPos(node.getStart());
    return { line, col: column };
  }

  /** Records an error and returns undefined, so callers can `return ctx.report(...)`. */
  report(code: CodegenErrorCode, node: Node, message: string, hint: string): undefined {
    const e = codegenError(code, this.file, this.position(node), message, hint);
    // A shared const is read from several places; its problems are reported once.
    if (!this.errors.some((o) => o.line === e.line && o.col === e.col && o.code === e.code && o.message === e.message)) this.errors.push(e);
    return undefined;
  }
}

/** Source text of a node for a message: one line, shortened. */
export function snippet(node: Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

export function collectImports(ctx: ReadContext): ImportScope {
  const dsl = new Map<string, string>();
  const namespaces = new Set<string>();
  const foreign = new Map<string, string>();
  for (const decl of ctx.sourceFile.getImportDeclarations()) {
    // Type-only imports cannot carry values, so they can neither help nor hurt the reader.
    if (decl.isTypeOnly()) continue;
    const from = decl.getModuleSpecifierValue();
    const isSchema = from === SCHEMA_MODULE;
    const defaultImport = decl.getDefaultImport();
    if (defaultImport) {
      if (isSchema)
        ctx.report(
          "E_UNKNOWN_IMPORT",
          defaultImport,
          `${SCHEMA_MODULE} has no default export`,
          `Import the functions by name: import { metricSet, counter } from "${SCHEMA_MODULE}".`,
        );
      else foreign.set(defaultImport.getText(), from);
    }
    const ns = decl.getNamespaceImport();
    if (ns) {
      if (isSchema) namespaces.add(ns.getText());
      else foreign.set(ns.getText(), from);
    }
    for (const spec of decl.getNamedImports()) {
      if (spec.isTypeOnly()) continue;
      const imported = spec.getName();
      const local = spec.getAliasNode()?.getText() ?? imported;
      if (!isSchema) foreign.set(local, from);
      else if (DSL_FUNCTIONS.includes(imported)) dsl.set(local, imported);
      else if (!DSL_TYPES.includes(imported))
        ctx.report("E_UNKNOWN_IMPORT", spec.getNameNode(), `\`${imported}\` is not exported by ${SCHEMA_MODULE}`, `Import one of: ${DSL_FUNCTIONS.join(", ")}.`);
    }
  }
  return { dsl, namespaces, foreign };
}

/** Strips wrappers that do not change a value: parentheses, `as`, `satisfies`, `<T>x`, `x!`. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    if (Node.isParenthesizedExpression(n) || Node.isAsExpression(n) || Node.isSatisfiesExpression(n) || Node.isTypeAssertion(n) || Node.isNonNullExpression(n))
      n = n.getExpression();
    else return n;
  }
}
