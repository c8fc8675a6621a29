// Computes the value of a schema expression without running it. The schema is user code and the
// generator may run in CI or an editor, so nothing is executed: only literals, `as const`-style
// wrappers, DSL calls and references to top-level consts of the same file are understood.
// Anything else is reported once, where it is written, and evaluates to undefined so reading can
// go on and find the next problem.
import { type CallExpression, type Identifier, Node, type ObjectLiteralExpression, SyntaxKind, type VariableDeclaration } from "ts-morph";
import { DSL_FUNCTIONS, type ImportScope, type ReadContext, SCHEMA_MODULE, snippet, unwrap } from "./read-context.ts";

export interface ObjectEntry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: StaticValue | undefined;
}

export type StaticValue =
  | { readonly kind: "string"; readonly value: string; readonly node: Node }
  | { readonly kind: "number"; readonly value: number; readonly node: Node }
  | { readonly kind: "boolean"; readonly value: boolean; readonly node: Node }
  | { readonly kind: "array"; readonly items: readonly (StaticValue | undefined)[]; readonly node: Node }
  /** `complete` is false when a property could not be read (a spread, a computed key): absent keys prove nothing. */
  | { readonly kind: "object"; readonly entries: readonly ObjectEntry[]; readonly complete: boolean; readonly node: Node }
  | DslCall
  | ForeignCall;

/** A call to a function imported from `percore/schema`; `declaredAs` is the const it initializes. */
export interface DslCall {
  readonly kind: "dsl";
  readonly fn: string;
  readonly args: readonly (StaticValue | undefined)[];
  readonly node: CallExpression;
  readonly declaredAs?: string;
}

/** Any other call: the consumer knows whether that is an unknown instrument or just unresolvable. */
export interface ForeignCall {
  readonly kind: "call";
  readonly callee: string;
  /** Set when the callee was imported from a module other than `percore/schema`. */
  readonly importedFrom?: string;
  readonly node: CallExpression;
}

const IN_PROGRESS = Symbol("in progress");
const HINT_LITERAL = "The schema is never executed: write the value as a literal or as a top-level const of this file.";

export class StaticReader {
  private readonly memo = new Map<VariableDeclaration, StaticValue | undefined | typeof IN_PROGRESS>();

  constructor(
    private readonly ctx: ReadContext,
    readonly scope: ImportScope,
    /** Top-level `const` declarations by name. */
    private readonly consts: ReadonlyMap<string, VariableDeclaration>,
    /** Other top-level bindings (let, var, function, class): known, but not constant. */
    private readonly mutable: ReadonlySet<string>,
  ) {}

  /** The DSL function a callee refers to, if any; reports `ns.unknown` on a namespace import. */
  dslFunction(call: CallExpression): string | undefined {
    const callee = unwrap(call.getExpression());
    if (Node.isIdentifier(callee)) return this.scope.dsl.get(callee.getText());
    if (Node.isPropertyAccessExpression(callee) && this.scope.namespaces.has(callee.getExpression().getText())) {
      const member = callee.getName();
      if (DSL_FUNCTIONS.includes(member)) return member;
      this.ctx.report("E_UNKNOWN_IMPORT", callee.getNameNode(), `\`${member}\` is not exported by ${SCHEMA_MODULE}`, `Use one of: ${DSL_FUNCTIONS.join(", ")}.`);
    }
    return undefined;
  }

  /** Value of a top-level const; the same object every time, so shared attribute sets keep their identity. */
  evaluateConst(decl: VariableDeclaration): StaticValue | undefined {
    const cached = this.memo.get(decl);
    if (cached === IN_PROGRESS)
      return this.ctx.report("E_UNRESOLVABLE", decl.getNameNode(), `\`${decl.getName()}\` refers to itself`, "Break the cycle between the consts.");
    if (this.memo.has(decl)) return cached;
    this.memo.set(decl, IN_PROGRESS);
    const init = decl.getInitializer();
    let value = init ? this.evaluate(init) : this.ctx.report("E_UNRESOLVABLE", decl.getNameNode(), `\`${decl.getName()}\` has no initializer`, HINT_LITERAL);
    if (value?.kind === "dsl" && init && Node.isCallExpression(unwrap(init))) value = { ...value, declaredAs: decl.getName() };
    this.memo.set(decl, value);
    return value;
  }

  evaluate(expression: Node): StaticValue | undefined {
    const node = unwrap(expression);
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return { kind: "string", value: node.getLiteralValue(), node };
    if (Node.isNumericLiteral(node)) return { kind: "number", value: node.getLiteralValue(), node };
    if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) return { kind: "boolean", value: node.getLiteralValue(), node };
    if (Node.isPrefixUnaryExpression(node)) return this.signed(node.getOperatorToken(), node.getOperand(), node);
    if (Node.isArrayLiteralExpression(node)) return { kind: "array", items: node.getElements().map((e) => this.element(e)), node };
    if (Node.isObjectLiteralExpression(node)) return this.object(node);
    if (Node.isIdentifier(node)) return this.identifier(node);
    if (Node.isCallExpression(node)) return this.call(node);
    if (Node.isTemplateExpression(node))
      return this.ctx.report(
        "E_UNRESOLVABLE",
        node,
        `cannot read the template literal \`${snippet(node)}\` statically`,
        "Write the whole string without `${...}` substitutions.",
      );
    return this.ctx.report("E_UNRESOLVABLE", node, `cannot evaluate \`${snippet(node)}\` statically`, HINT_LITERAL);
  }

  private signed(operator: SyntaxKind, operand: Node, node: Node): StaticValue | undefined {
    const value = operator === SyntaxKind.MinusToken || operator === SyntaxKind.PlusToken ? this.evaluate(operand) : undefined;
    if (value?.kind !== "number")
      return this.ctx.report("E_UNRESOLVABLE", node, `cannot evaluate \`${snippet(node)}\` statically`, "Only a sign in front of a number is understood.");
    return { kind: "number", value: operator === SyntaxKind.MinusToken ? -value.value : value.value, node };
  }

  private element(e: Node): StaticValue | undefined {
    if (Node.isSpreadElement(e))
      return this.ctx.report("E_UNRESOLVABLE", e, `cannot read the spread \`${snippet(e)}\` statically`, "Write the elements out in the array.");
    if (Node.isOmittedExpression(e)) return this.ctx.report("E_UNRESOLVABLE", e, "an array hole has no value", "Remove the extra comma.");
    return this.evaluate(e);
  }

  private object(node: ObjectLiteralExpression): StaticValue {
    const entries: ObjectEntry[] = [];
    const seen = new Set<string>();
    let complete = true;
    for (const p of node.getProperties()) {
      let entry: ObjectEntry | undefined;
      if (Node.isPropertyAssignment(p)) {
        const nameNode = p.getNameNode();
        const key = keyOf(nameNode);
        if (key === undefined)
          this.ctx.report("E_UNRESOLVABLE", nameNode, `cannot read the computed key \`${snippet(nameNode)}\` statically`, "Write the key as a plain identifier.");
        else entry = { key, keyNode: nameNode, value: this.evaluate(p.getInitializerOrThrow()) };
      } else if (Node.isShorthandPropertyAssignment(p)) {
        entry = { key: p.getName(), keyNode: p.getNameNode(), value: this.identifier(p.getNameNode()) };
      } else if (Node.isSpreadAssignment(p)) {
        this.ctx.report("E_UNRESOLVABLE", p, `cannot read the spread \`${snippet(p)}\` statically`, "Write the properties out in the object.");
      } else {
        this.ctx.report("E_UNRESOLVABLE", p, `cannot read the member \`${snippet(p)}\` statically`, "Use `key: value` properties only.");
      }
      if (!entry) {
        complete = false;
        continue;
      }
      if (seen.has(entry.key)) this.ctx.report("E_DUP_KEY", entry.keyNode, `duplicate key \`${entry.key}\``, "Remove one of them; only one value per key is kept.");
      else entries.push(entry);
      seen.add(entry.key);
    }
    return { kind: "object", entries, complete, node };
  }

  private identifier(node: Identifier): StaticValue | undefined {
    const name = node.getText();
    const decl = this.consts.get(name);
    if (decl) return this.evaluateConst(decl);
    if (this.scope.dsl.has(name) || this.scope.namespaces.has(name))
      return this.ctx.report("E_UNRESOLVABLE", node, `\`${name}\` is a schema function, not a value`, `Call it, e.g. ${name}({ ... }).`);
    const from = this.scope.foreign.get(name);
    if (from !== undefined)
      return this.ctx.report(
        "E_UNKNOWN_IMPORT",
        node,
        `\`${name}\` is imported from "${from}"; the generator reads only this file`,
        "Declare the value in the schema file as a top-level const.",
      );
    if (name === "Infinity" || name === "NaN") return { kind: "number", value: name === "NaN" ? NaN : Infinity, node };
    if (this.mutable.has(name))
      return this.ctx.report(
        "E_UNRESOLVABLE",
        node,
        `\`${name}\` is not a const, so its value is not fixed`,
        "Declare it with `const` at the top level of the schema file.",
      );
    return this.ctx.report("E_UNRESOLVABLE", node, `\`${name}\` is not a top-level const of this file`, HINT_LITERAL);
  }

  private call(node: CallExpression): StaticValue | undefined {
    const fn = this.dslFunction(node);
    if (fn === undefined) {
      const callee = unwrap(node.getExpression());
      const root = Node.isPropertyAccessExpression(callee) ? callee.getExpression().getText() : callee.getText();
      // `ns.unknown(...)` on the percore/schema namespace was just reported by dslFunction.
      if (this.scope.namespaces.has(root)) return undefined;
      return { kind: "call", callee: callee.getText(), importedFrom: this.scope.foreign.get(root), node };
    }
    return { kind: "dsl", fn, args: node.getArguments().map((a) => this.element(a)), node };
  }
}

function keyOf(nameNode: Node): string | undefined {
  if (Node.isIdentifier(nameNode)) return nameNode.getText();
  if (Node.isStringLiteral(nameNode) || Node.isNoSubstitutionTemplateLiteral(nameNode)) return nameNode.getLiteralValue();
  if (Node.isNumericLiteral(nameNode)) return String(nameNode.getLiteralValue());
  return undefined;
}
