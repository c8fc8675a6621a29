// PromQL text -> our syntax tree. The grammar is Prometheus's own (@prometheus-io/lezer-promql);
// this file converts its tree, checks types the way Prometheus's parser does, and refuses what
// Prometheus 2.42 would reject or this engine does not evaluate, always naming the construct.
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";
import { COMPARISON, SET_OPS, typeOf, type BinaryOp, type Expr, type Matcher, type MatchOp, type ValueType, type VectorMatching, type VectorSelector } from "./ast.ts";
import { badData, type PromqlError, unsupported } from "./errors.ts";
import { FUNCTIONS } from "./function-table.ts";
import { matchesEmpty, parseDurationText, parseNumber, position, toJsRegex } from "./literals.ts";

const AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group"]);
const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Add: "+",
  Sub: "-",
  Mul: "*",
  Div: "/",
  Mod: "%",
  Pow: "^",
  Atan2: "atan2",
  Eql: "==",
  Neq: "!=",
  Gtr: ">",
  Lss: "<",
  Gte: ">=",
  Lte: "<=",
  And: "and",
  Or: "or",
  Unless: "unless",
};
const MATCH_OPS: Readonly<Record<string, MatchOp>> = { EqlSingle: "=", Neq: "!=", EqlRegex: "=~", NeqRegex: "!~" };
class Converter {
  constructor(private readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  fail(n: SyntaxNode, message: string): PromqlError {
    return badData(`${position(this.q, n.from)}: parse error: ${message}`);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  string(n: SyntaxNode): string {
    const raw = this.text(n);
    if (raw.startsWith("`")) return raw.slice(1, -1);
    // Go-style escapes; JSON covers the common ones, single quotes are re-quoted first.
    const body = raw.slice(1, -1);
    try {
      return JSON.parse(`"${raw.startsWith("'") ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body}"`) as string;
    } catch {
      throw this.fail(n, `invalid escape sequence in string ${raw}`);
    }
  }

  duration(n: SyntaxNode, what: string): number {
    const kids = this.children(n);
    if (kids.length !== 1 || kids[0].name !== "NumberDurationLiteralInDurationContext") throw unsupported(`duration arithmetic (${this.text(n)})`);
    const ms = parseDurationText(this.text(kids[0]));
    if (ms === undefined) throw this.fail(n, `bad duration ${JSON.stringify(this.text(n))} for ${what}; use units ms s m h d w y, e.g. 5m or 1h30m`);
    return ms;
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case "PromQL":
      case "ParenExpr": {
        const kids = this.children(n).filter((c) => c.name !== "LineComment");
        if (kids.length !== 1) throw this.fail(n, "expected one expression");
        return this.expr(kids[0]);
      }
      case "NumberDurationLiteral": {
        const v = parseNumber(this.text(n));
        if (v === undefined) throw this.fail(n, `${JSON.stringify(this.text(n))} is not a number (durations are only allowed in [ranges] and after offset)`);
        return { kind: "number", value: v };
      }
      case "StringLiteral":
        return { kind: "string", value: this.string(n) };
      case "VectorSelector":
        return this.vectorSelector(n);
      case "MatrixSelector": {
        const [vec, range] = this.children(n);
        const vector = this.expr(vec);
        if (vector.kind !== "vector") throw this.fail(n, "ranges only allowed for vector selectors");
        if (vector.offset !== 0) throw this.fail(n, "offset must come after the range: foo[5m] offset 1m");
        return { kind: "matrix", vector, range: this.duration(range, "the range") };
      }
      case "SubqueryExpr": {
        const kids = this.children(n);
        const inner = this.expr(kids[0]);
        const t = typeOf(inner, fnType);
        if (t !== "vector") throw this.fail(n, `subquery is only allowed on instant vector, got ${typeName(t)}`);
        const durations = kids.filter((k) => k.name === "DurationExpr");
        return {
          kind: "subquery",
          expr: inner,
          range: this.duration(durations[0], "the subquery range"),
          step: durations[1] ? this.duration(durations[1], "the subquery step") : 0,
          offset: 0,
        };
      }
      case "OffsetExpr":
        return this.offset(n);
      case "UnaryExpr": {
        const [op, e] = this.children(n);
        const inner = this.expr(e);
        const t = typeOf(inner, fnType);
        if (t !== "scalar" && t !== "vector") throw this.fail(n, `unary expression only allowed on expressions of type scalar or instant vector, got ${typeName(t)}`);
        return { kind: "unary", op: this.text(op) === "-" ? "-" : "+", expr: inner };
      }
      case "BinaryExpr":
        return this.binary(n);
      case "AggregateExpr":
        return this.aggregate(n);
      case "FunctionCall":
        return this.call(n);
      case "StepInvariantExpr":
        throw unsupported("the @ modifier");
      default:
        throw unsupported(`${n.name} (${JSON.stringify(this.text(n))})`);
    }
  }

  vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: Matcher[] = [];
    let name: string | undefined;
    for (const c of this.children(n)) {
      if (c.name === "Identifier" || c.name === "MetricName") name = this.text(c);
      else if (c.name === "LabelMatchers") {
        for (const m of this.children(c)) {
          if (m.name === "QuotedLabelMatcher") throw unsupported("quoted label names and metric names (Prometheus 3 syntax)");
          if (m.name !== "UnquotedLabelMatcher") throw this.fail(m, `unexpected ${JSON.stringify(this.text(m))} in label matchers`);
          const [ln, op, value] = this.children(m);
          const opName = this.children(op)[0]?.name ?? "";
          matchers.push({ name: this.text(ln), op: MATCH_OPS[opName], value: this.string(value) });
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === "__name__")) throw this.fail(n, `metric name must not be set twice: ${JSON.stringify(name)}`);
      matchers.unshift({ name: "__name__", op: "=", value: name });
    }
    for (const m of matchers) {
      if (m.op === "=~" || m.op === "!~") {
        try {
          new RegExp(toJsRegex(m.value));
        } catch (e) {
          throw this.fail(n, `invalid regular expression ${JSON.stringify(m.value)}: ${(e as Error).message}`);
        }
      }
    }
    if (!matchers.some((m) => !matchesEmpty(m))) throw this.fail(n, "vector selector must contain at least one non-empty matcher");
    return { kind: "vector", matchers, offset: 0 };
  }

  offset(n: SyntaxNode): Expr {
    const kids = this.children(n);
    const inner = this.expr(kids[0]);
    const durNode = kids.find((k) => k.name === "OffsetDurationExpr")!;
    let sign = 1,
      d = durNode;
    const dk = this.children(durNode);
    if (dk[0]?.name === "UnaryOp") {
      sign = this.text(dk[0]) === "-" ? -1 : 1;
      d = dk[1];
    }
    const dkids = this.children(d);
    if (dkids.length !== 1 || dkids[0].name !== "NumberDurationLiteralInDurationContext") throw unsupported(`duration arithmetic in offset (${this.text(durNode)})`);
    const ms = parseDurationText(this.text(dkids[0]));
    if (ms === undefined) throw this.fail(durNode, `bad offset duration ${JSON.stringify(this.text(durNode))}`);
    const offset = sign * ms;
    switch (inner.kind) {
      case "vector":
        if (inner.offset !== 0) throw this.fail(n, "offset may not be set multiple times");
        return { ...inner, offset };
      case "matrix":
        if (inner.vector.offset !== 0) throw this.fail(n, "offset may not be set multiple times");
        return { ...inner, vector: { ...inner.vector, offset } };
      case "subquery":
        if (inner.offset !== 0) throw this.fail(n, "offset may not be set multiple times");
        return { ...inner, offset };
      default:
        throw this.fail(n, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
  }

  binary(n: SyntaxNode): Expr {
    const kids = this.children(n);
    const lhs = this.expr(kids[0]);
    const rhs = this.expr(kids[kids.length - 1]);
    const opNode = kids[1];
    const op = BINARY_OPS[opNode.name];
    if (!op) throw unsupported(`binary operator ${this.text(opNode)}`);
    let bool = false;
    let matching: VectorMatching = { card: SET_OPS.has(op) ? "many-to-many" : "one-to-one", on: false, labels: [], include: [] };
    for (const k of kids.slice(2, -1)) {
      if (k.name === "BoolModifier") bool = true;
      else if (k.name === "MatchingModifierClause") matching = this.matching(k, op);
      else throw unsupported(`${this.text(k)} in a binary expression`);
    }
    const lt = typeOf(lhs, fnType),
      rt = typeOf(rhs, fnType);
    for (const [t, side] of [
      [lt, kids[0]],
      [rt, kids[kids.length - 1]],
    ] as const) {
      if (t !== "scalar" && t !== "vector") throw this.fail(side, `binary expression must contain only scalar and instant vector types, got ${typeName(t)}`);
    }
    if (bool && !COMPARISON.has(op)) throw this.fail(opNode, "bool modifier can only be used on comparison operators");
    if (COMPARISON.has(op) && !bool && lt === "scalar" && rt === "scalar") throw this.fail(opNode, "comparisons between scalars must use BOOL modifier");
    if (SET_OPS.has(op) && (lt === "scalar" || rt === "scalar")) throw this.fail(n, `set operator "${op}" not allowed in binary scalar expression`);
    const hasClause = kids.some((k) => k.name === "MatchingModifierClause");
    if (hasClause && (lt === "scalar" || rt === "scalar")) throw this.fail(opNode, "vector matching only allowed between instant vectors");
    return { kind: "binary", op, lhs, rhs, bool, matching };
  }

  matching(n: SyntaxNode, op: BinaryOp): VectorMatching {
    let on = false,
      card: VectorMatching["card"] = SET_OPS.has(op) ? "many-to-many" : "one-to-one";
    let labels: string[] = [],
      include: string[] = [];
    let seenGroup = false;
    for (const k of this.children(n)) {
      if (k.name === "On") on = true;
      else if (k.name === "Ignoring") on = false;
      else if (k.name === "GroupLeft" || k.name === "GroupRight") {
        if (SET_OPS.has(op)) throw this.fail(k, `no grouping allowed for "${op}" operation`);
        card = k.name === "GroupLeft" ? "many-to-one" : "one-to-many";
        seenGroup = true;
      } else if (k.name === "GroupingLabels") {
        const names = this.labelNames(k);
        if (seenGroup) include = names;
        else labels = names;
      } else throw unsupported(`${this.text(k)} in vector matching`);
    }
    for (const l of include) if (labels.includes(l) && on) throw this.fail(n, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
    return { card, on, labels, include };
  }

  labelNames(n: SyntaxNode): string[] {
    return this.children(n).map((c) => {
      if (c.name !== "LabelName") throw unsupported(`label name ${this.text(c)}`);
      return this.text(c);
    });
  }

  aggregate(n: SyntaxNode): Expr {
    let op = "",
      grouping: string[] = [],
      without = false;
    let body: SyntaxNode | undefined;
    for (const k of this.children(n)) {
      if (k.name === "AggregateOp") op = this.text(k).toLowerCase();
      else if (k.name === "AggregateModifier") {
        for (const m of this.children(k)) {
          if (m.name === "Without") without = true;
          else if (m.name === "GroupingLabels") grouping = this.labelNames(m);
        }
      } else if (k.name === "FunctionCallBody") body = k;
    }
    if (!AGGREGATIONS.has(op)) throw unsupported(`aggregation ${op}`);
    const argNodes = this.children(body!);
    const args = argNodes.map((a) => this.expr(a));
    const wantsParam = op === "topk" || op === "bottomk" || op === "quantile" || op === "count_values";
    if (args.length !== (wantsParam ? 2 : 1))
      throw this.fail(n, `wrong number of arguments for aggregate expression provided, expected ${wantsParam ? 2 : 1}, got ${args.length}`);
    const expr = args[args.length - 1];
    if (typeOf(expr, fnType) !== "vector")
      throw this.fail(argNodes[args.length - 1], `expected type instant vector in aggregation expression, got ${typeName(typeOf(expr, fnType))}`);
    const param = wantsParam ? args[0] : null;
    if (param) {
      const want = op === "count_values" ? "string" : "scalar";
      if (typeOf(param, fnType) !== want)
        throw this.fail(argNodes[0], `expected type ${typeName(want)} in aggregation parameter, got ${typeName(typeOf(param, fnType))}`);
    }
    return { kind: "aggregate", op, expr, param, grouping, without };
  }

  call(n: SyntaxNode): Expr {
    const [id, body] = this.children(n);
    const func = this.text(id);
    const sig = FUNCTIONS[func];
    if (!sig) throw unsupported(`function ${func}()`);
    const argNodes = this.children(body);
    const args = argNodes.map((a) => this.expr(a));
    const min = sig.args.length - (sig.optional ?? 0);
    if (args.length < min || (!sig.variadic && args.length > sig.args.length)) {
      throw this.fail(n, `expected ${sig.optional ? `${min} to ${sig.args.length}` : min} argument(s) in call to ${JSON.stringify(func)}, got ${args.length}`);
    }
    args.forEach((a, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)];
      const got = typeOf(a, fnType);
      if (got !== want) throw this.fail(argNodes[i], `expected type ${typeName(want)} in call to function ${JSON.stringify(func)}, got ${typeName(got)}`);
    });
    return { kind: "call", func, args };
  }
}

function fnType(name: string): ValueType {
  return FUNCTIONS[name]?.ret ?? "vector";
}

export function typeName(t: ValueType): string {
  return t === "vector" ? "instant vector" : t === "matrix" ? "range vector" : t;
}

/** Parses and type-checks; throws PromqlError (bad_data, with the position) when the query is not valid. */
export function parsePromql(query: string): Expr {
  if (query.trim() === "") throw badData("1:1: parse error: no expression found in input");
  const tree = parser.parse(query);
  let error: SyntaxNode | undefined;
  tree.iterate({
    enter(n) {
      if (error) return false;
      if (n.type.isError) error = n.node;
      return undefined;
    },
  });
  if (error) {
    // An identifier called like a function that the grammar does not know.
    const call = /([a-zA-Z_][a-zA-Z0-9_]*)\s*$/.exec(query.slice(0, error.from));
    if (call && query[error.from] === "(") {
      // Prometheus 2.42 has holt_winters (renamed in 3.0, so the grammar no longer knows it).
      if (call[1] === "holt_winters") throw unsupported("function holt_winters()");
      throw badData(`${position(query, call.index)}: parse error: unknown function with name ${JSON.stringify(call[1])}`);
    }
    const near = query.slice(error.from, error.from + 20);
    throw badData(`${position(query, error.from)}: parse error: unexpected ${near ? JSON.stringify(near) : "end of input"}`);
  }
  return new Converter(query).expr(tree.topNode);
}

export { fnType as functionType };
