// How the generated code maps a measurement attribute's string to its enum position, against the
// alternatives we tried. Kept so the choice in codegen/emit-fields.ts can be re-checked.
import { measure, printTable, writeResult, type BenchTask, type SuiteContext } from "./harness.ts";

const OPS = 10_000;
const MISS = -0x40000000;
const METHODS = ["GET", "POST", "OTHER"];
const STATUSES = ["2xx", "3xx", "4xx", "5xx"];
const M = Array.from({ length: 16 }, (_, i) => METHODS[i % 3]);
const S = Array.from({ length: 16 }, (_, i) => STATUSES[(i >> 2) & 3]);

function methodSwitch(x: string): number {
  switch (x) {
    case "GET":
      return 0;
    case "POST":
      return 1;
    case "OTHER":
      return 2;
    default:
      return MISS;
  }
}
function statusSwitch(x: string): number {
  switch (x) {
    case "2xx":
      return 0;
    case "3xx":
      return 1;
    case "4xx":
      return 2;
    case "5xx":
      return 3;
    default:
      return MISS;
  }
}
const methodIf = (x: string): number => (x === "GET" ? 0 : x === "POST" ? 1 : x === "OTHER" ? 2 : MISS);
const statusIf = (x: string): number => (x === "2xx" ? 0 : x === "3xx" ? 1 : x === "4xx" ? 2 : x === "5xx" ? 3 : MISS);
function methodChar(x: string): number {
  switch (x.charCodeAt(0)) {
    case 71:
      return x === "GET" ? 0 : MISS;
    case 80:
      return x === "POST" ? 1 : MISS;
    case 79:
      return x === "OTHER" ? 2 : MISS;
    default:
      return MISS;
  }
}
function statusChar(x: string): number {
  switch (x.charCodeAt(0)) {
    case 50:
      return x === "2xx" ? 0 : MISS;
    case 51:
      return x === "3xx" ? 1 : MISS;
    case 52:
      return x === "4xx" ? 2 : MISS;
    case 53:
      return x === "5xx" ? 3 : MISS;
    default:
      return MISS;
  }
}
const M_TABLE = new Int8Array(128).fill(-1);
METHODS.forEach((x, i) => (M_TABLE[x.charCodeAt(0)] = i));
const S_TABLE = new Int8Array(128).fill(-1);
STATUSES.forEach((x, i) => (S_TABLE[x.charCodeAt(0)] = i));
const methodTable = (x: string): number => {
  const i = M_TABLE[x.charCodeAt(0) & 127];
  return x === METHODS[i] ? i : MISS;
};
const statusTable = (x: string): number => {
  const i = S_TABLE[x.charCodeAt(0) & 127];
  return x === STATUSES[i] ? i : MISS;
};

export default async function enumDispatch(ctx: SuiteContext): Promise<void> {
  const v = new Float64Array(new SharedArrayBuffer(8 * 256));
  const store = (k: number) => {
    if (k >= 0) v[k]++;
    else v[252]++;
  };
  const tasks: BenchTask[] = [
    {
      name: "plain ++ (no attributes)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) v[0]++;
      },
    },
    {
      name: "switch (generated)",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) store((methodSwitch(M[i & 15]) * 4 + statusSwitch(S[i & 15])) * 21);
      },
    },
    {
      name: "if-chain",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) store((methodIf(M[i & 15]) * 4 + statusIf(S[i & 15])) * 21);
      },
    },
    {
      name: "charCodeAt switch + check",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) store((methodChar(M[i & 15]) * 4 + statusChar(S[i & 15])) * 21);
      },
    },
    {
      name: "first-char table + check",
      ops: OPS,
      fn: () => {
        for (let i = 0; i < OPS; i++) store((methodTable(M[i & 15]) * 4 + statusTable(S[i & 15])) * 21);
      },
    },
  ];
  const rows = await measure(tasks, "switch (generated)", ctx);
  printTable("Enum dispatch: string -> position for two measurement attributes (ns per recording)", rows, "switch (generated)");
  writeResult("enum-dispatch", ctx, rows);
}
