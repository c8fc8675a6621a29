// The functions this engine evaluates, with their argument and result types (as Prometheus
// declares them). Any other function the grammar knows is refused by name.
import type { ValueType } from "./ast.ts";

export interface FunctionSignature {
  readonly args: readonly ValueType[];
  /** How many trailing args may be left out. */
  readonly optional?: number;
  /** The last argument may repeat (label_join). */
  readonly variadic?: boolean;
  readonly ret: ValueType;
}

const V: ValueType = "vector",
  M: ValueType = "matrix",
  S: ValueType = "scalar",
  STR: ValueType = "string";
const onVector = { args: [V], ret: V } as const;
const onMatrix = { args: [M], ret: V } as const;

export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  rate: onMatrix,
  irate: onMatrix,
  increase: onMatrix,
  delta: onMatrix,
  idelta: onMatrix,
  resets: onMatrix,
  changes: onMatrix,
  avg_over_time: onMatrix,
  min_over_time: onMatrix,
  max_over_time: onMatrix,
  sum_over_time: onMatrix,
  count_over_time: onMatrix,
  last_over_time: onMatrix,
  stddev_over_time: onMatrix,
  stdvar_over_time: onMatrix,
  present_over_time: onMatrix,
  quantile_over_time: { args: [S, M], ret: V },
  absent: onVector,
  absent_over_time: onMatrix,
  histogram_quantile: { args: [S, V], ret: V },
  abs: onVector,
  ceil: onVector,
  floor: onVector,
  exp: onVector,
  sqrt: onVector,
  ln: onVector,
  log2: onVector,
  log10: onVector,
  sgn: onVector,
  round: { args: [V, S], optional: 1, ret: V },
  clamp: { args: [V, S, S], ret: V },
  clamp_min: { args: [V, S], ret: V },
  clamp_max: { args: [V, S], ret: V },
  time: { args: [], ret: S },
  timestamp: onVector,
  vector: { args: [S], ret: V },
  scalar: { args: [V], ret: S },
  sort: onVector,
  sort_desc: onVector,
  label_replace: { args: [V, STR, STR, STR, STR], ret: V },
  label_join: { args: [V, STR, STR, STR], optional: 1, variadic: true, ret: V },
};
