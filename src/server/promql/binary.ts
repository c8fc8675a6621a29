// Binary operators at one step: scalar/scalar, vector/scalar and vector/vector with on/ignoring,
// group_left/group_right and the set operators, following Prometheus's matching rules and errors.
import type { BinaryOp, VectorMatching } from "./ast.ts";
import { COMPARISON } from "./ast.ts";
import { PromqlError } from "./errors.ts";
import { dropName, labelsKey, signature, type Labels, type Vector } from "./labels.ts";

const DROPS_NAME = new Set(["+", "-", "*", "/", "%", "^", "atan2"]);

/** Go's math.Pow special cases that differ from JavaScript's. */
function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** The value and whether a comparison keeps it. */
export function elemOp(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case "+":
      return [l + r, true];
    case "-":
      return [l - r, true];
    case "*":
      return [l * r, true];
    case "/":
      return [l / r, true];
    case "%":
      return [l % r, true];
    case "^":
      return [pow(l, r), true];
    case "atan2":
      return [Math.atan2(l, r), true];
    case "==":
      return [l, l === r];
    case "!=":
      return [l, l !== r];
    case ">":
      return [l, l > r];
    case "<":
      return [l, l < r];
    case ">=":
      return [l, l >= r];
    case "<=":
      return [l, l <= r];
    default:
      throw new PromqlError("internal", `operator ${op} on numbers`);
  }
}

export function scalarScalar(op: BinaryOp, l: number, r: number, bool: boolean): number {
  const [v, keep] = elemOp(op, l, r);
  return COMPARISON.has(op) ? (bool ? (keep ? 1 : 0) : v) : v;
}

/** vector op scalar; `swap` when the scalar was on the left. */
export function vectorScalar(op: BinaryOp, vec: Vector, scalar: number, swap: boolean, bool: boolean, t: number): Vector {
  const out: Vector = [];
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let [value, keep] = elemOp(op, l, r);
    // A comparison keeps the vector's value even when the vector is on the right.
    if (COMPARISON.has(op) && swap) value = r;
    if (bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ labels: DROPS_NAME.has(op) || bool ? dropName(s.labels) : s.labels, v: value, t });
  }
  return out;
}

function resultLabels(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let out: Record<string, string> = { ...lhs };
  if (DROPS_NAME.has(op)) delete out.__name__;
  if (m.card === "one-to-one") {
    if (m.on) {
      const kept: Record<string, string> = {};
      for (const n of m.labels) if (out[n] !== undefined) kept[n] = out[n];
      out = kept;
    } else for (const n of m.labels) delete out[n];
  }
  for (const n of m.include) {
    const v = rhs[n];
    if (v !== undefined && v !== "") out[n] = v;
    else delete out[n];
  }
  return out;
}

export function vectorVector(op: BinaryOp, lhsIn: Vector, rhsIn: Vector, m: VectorMatching, bool: boolean, t: number): Vector {
  switch (op) {
    case "and":
    case "or":
    case "unless":
      return setOp(op, lhsIn, rhsIn, m);
  }
  const swap = m.card === "one-to-many";
  const [lhs, rhs] = swap ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const rightSigs = new Map<string, (typeof rhs)[number]>();
  for (const r of rhs) {
    const sig = signature(r.labels, m.on, m.labels);
    if (rightSigs.has(sig)) {
      throw new PromqlError(
        "execution",
        `found duplicate series for the match group on the ${swap ? "left" : "right"} hand-side of the operation;many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(sig, r);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Vector = [];
  for (const l of lhs) {
    const sig = signature(l.labels, m.on, m.labels);
    const r = rightSigs.get(sig);
    if (!r) continue;
    const [vl, vr] = swap ? [r.v, l.v] : [l.v, r.v];
    let [value, keep] = elemOp(op, vl, vr);
    if (bool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let labels = resultLabels(l.labels, r.labels, op, m);
    if (bool) labels = dropName(labels);
    const seen = matched.get(sig);
    if (m.card === "one-to-one") {
      if (seen !== undefined) throw new PromqlError("execution", "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      const set = seen ?? new Set<string>();
      if (set.has(key)) throw new PromqlError("execution", "multiple matches for labels: grouping labels must ensure unique results");
      set.add(key);
      matched.set(sig, set);
    }
    out.push({ labels, v: value, t });
  }
  return out;
}

function setOp(op: "and" | "or" | "unless", lhs: Vector, rhs: Vector, m: VectorMatching): Vector {
  const sig = (l: Labels) => signature(l, m.on, m.labels);
  if (op === "and") {
    const right = new Set(rhs.map((r) => sig(r.labels)));
    return lhs.filter((l) => right.has(sig(l.labels)));
  }
  if (op === "unless") {
    const right = new Set(rhs.map((r) => sig(r.labels)));
    return lhs.filter((l) => !right.has(sig(l.labels)));
  }
  const left = new Set(lhs.map((l) => sig(l.labels)));
  return [...lhs, ...rhs.filter((r) => !left.has(sig(r.labels)))];
}
