// Aggregation operators at one step, with Prometheus's grouping (by keeps the listed labels,
// without drops them and the metric name) and its arithmetic (incremental mean, Welford variance,
// NaN losing against any number in min/max).
import { PromqlError } from "./errors.ts";
import { formatValue, groupLabels, labelsKey, type Labels, type Sample, type Vector } from "./labels.ts";
import { quantileOf } from "./range-functions.ts";

interface Group {
  labels: Labels;
  count: number;
  value: number;
  mean: number;
  aux: number;
  samples: Sample[];
}

function meanAdd(g: Group, v: number): void {
  if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
    if (!Number.isFinite(v) && !Number.isNaN(v) && g.mean > 0 === v > 0) return;
    if (Number.isFinite(v)) return;
  }
  g.mean += v / g.count - g.mean / g.count;
}

/** topk/bottomk order: NaN always loses. */
function better(a: number, b: number, top: boolean): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a);
  if (Number.isNaN(a)) return false;
  return top ? a > b : a < b;
}

export function aggregate(op: string, vec: Vector, grouping: readonly string[], without: boolean, param: number | string | undefined, t: number): Vector {
  if (op === "count_values") return countValues(vec, grouping, without, String(param), t);
  const groups = new Map<string, Group>();
  const k = op === "topk" || op === "bottomk" ? Number(param) : 0;
  if ((op === "topk" || op === "bottomk") && !(k >= 1)) return [];
  for (const s of vec) {
    const labels = groupLabels(s.labels, grouping, without);
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { labels, count: 1, value: s.v, mean: s.v, aux: 0, samples: [s] });
      continue;
    }
    g.count++;
    switch (op) {
      case "sum":
        g.value += s.v;
        break;
      case "avg":
        meanAdd(g, s.v);
        break;
      case "max":
        if (g.value < s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case "min":
        if (g.value > s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case "stddev":
      case "stdvar": {
        const delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.aux += delta * (s.v - g.mean);
        break;
      }
      case "topk":
      case "bottomk": {
        const kk = Math.min(Math.trunc(k), Number.MAX_SAFE_INTEGER);
        if (g.samples.length < kk) g.samples.push(s);
        else {
          // Replace the weakest kept sample when this one beats it.
          let weakest = 0;
          for (let i = 1; i < g.samples.length; i++) if (better(g.samples[weakest].v, g.samples[i].v, op === "topk")) weakest = i;
          if (better(s.v, g.samples[weakest].v, op === "topk")) g.samples[weakest] = s;
        }
        break;
      }
      case "quantile":
      case "group":
      case "count":
        g.samples.push(s);
        break;
      default:
        throw new PromqlError("bad_data", `aggregation ${op} is not supported`);
    }
  }
  const out: Vector = [];
  for (const g of groups.values()) {
    switch (op) {
      case "topk":
      case "bottomk": {
        const sorted = [...g.samples].sort((a, b) => (better(a.v, b.v, op === "topk") ? -1 : better(b.v, a.v, op === "topk") ? 1 : 0));
        for (const s of sorted) out.push({ labels: s.labels, v: s.v, t });
        continue;
      }
      case "avg":
        out.push({ labels: g.labels, v: g.mean, t });
        continue;
      case "count":
        out.push({ labels: g.labels, v: g.count, t });
        continue;
      case "group":
        out.push({ labels: g.labels, v: 1, t });
        continue;
      case "stdvar":
        out.push({ labels: g.labels, v: g.aux / g.count, t });
        continue;
      case "stddev":
        out.push({ labels: g.labels, v: Math.sqrt(g.aux / g.count), t });
        continue;
      case "quantile":
        out.push({
          labels: g.labels,
          v: quantileOf(
            Number(param),
            g.samples.map((s) => s.v),
          ),
          t,
        });
        continue;
      default:
        out.push({ labels: g.labels, v: g.value, t });
    }
  }
  return out;
}

function countValues(vec: Vector, grouping: readonly string[], without: boolean, label: string, t: number): Vector {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new PromqlError("bad_data", `invalid label name ${JSON.stringify(label)} in count_values`);
  const groups = new Map<string, { labels: Labels; n: number }>();
  for (const s of vec) {
    const labels = { ...groupLabels(s.labels, grouping, without), [label]: formatValue(s.v) };
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { labels, n: 1 });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, v: g.n, t }));
}
