// The PromQL syntax tree the evaluator works on: the parser's (lezer) tree converted to plain
// values, with durations in ms and every node's value type known after parsing.

export type ValueType = "scalar" | "vector" | "matrix" | "string";

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
}

export interface VectorSelector {
  readonly kind: "vector";
  readonly matchers: readonly Matcher[];
  /** ms; positive looks back. */
  readonly offset: number;
}

export interface MatrixSelector {
  readonly kind: "matrix";
  readonly vector: VectorSelector;
  /** ms */
  readonly range: number;
}

export interface Subquery {
  readonly kind: "subquery";
  readonly expr: Expr;
  readonly range: number;
  /** ms; 0 means the default subquery step. */
  readonly step: number;
  readonly offset: number;
}

export interface VectorMatching {
  readonly card: "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";
  /** true for on(...), false for ignoring(...) or no clause. */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** group_left/group_right labels. */
  readonly include: readonly string[];
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2" | "==" | "!=" | ">" | "<" | ">=" | "<=" | "and" | "or" | "unless";

export interface Binary {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly bool: boolean;
  readonly matching: VectorMatching;
}

export interface Aggregate {
  readonly kind: "aggregate";
  readonly op: string;
  readonly expr: Expr;
  readonly param: Expr | null;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export interface Call {
  readonly kind: "call";
  readonly func: string;
  readonly args: readonly Expr[];
}

export type Expr =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "unary"; readonly op: "-" | "+"; readonly expr: Expr }
  | VectorSelector
  | MatrixSelector
  | Subquery
  | Binary
  | Aggregate
  | Call;

export const COMPARISON: ReadonlySet<string> = new Set(["==", "!=", ">", "<", ">=", "<="]);
export const SET_OPS: ReadonlySet<string> = new Set(["and", "or", "unless"]);

export function typeOf(e: Expr, functionType: (name: string) => ValueType): ValueType {
  switch (e.kind) {
    case "number":
      return "scalar";
    case "string":
      return "string";
    case "vector":
    case "aggregate":
      return "vector";
    case "matrix":
    case "subquery":
      return "matrix";
    case "unary":
      return typeOf(e.expr, functionType);
    case "binary":
      return typeOf(e.lhs, functionType) === "scalar" && typeOf(e.rhs, functionType) === "scalar" ? "scalar" : "vector";
    case "call":
      return functionType(e.func);
  }
}
