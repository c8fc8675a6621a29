// The generated modules compile under `tsc --strict` (plus noUncheckedIndexedAccess, and
// erasableSyntaxOnly: what Node's type stripping runs) together with user programs that import them
// through `percore/codegen-runtime` (package self-reference, "source" condition), exactly as a
// user's project would; and a wrong enum value is a compile error at the line that passes it.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate } from "../../codegen/index.ts";
import { DEMO_SCHEMA, GOOD, ROOT, scratchDir } from "./helpers.ts";

const USE_EVERYTHING = `import { Api, Cache, DESCRIPTORS, Jobs, SCHEMA_HASH, type ApiMethod, type Worker } from "./everything.generated.ts";

const worker: Worker = { workerId: 1, pool: "default", weight: 0.5, pinned: false };
const api = new Api(worker);
const method: ApiMethod = "POST";
api.latency.record(12.5, method, "2xx", "hit");
api.requests.inc("GET", "4xx", "miss");
api.requests.add(2, "OTHER", "5xx", "hit");
api.bytesOut.add(512, "GET", "2xx", "hit");
api.inFlight.add(-1, "GET", "2xx", "miss");
api.queueWait.record(3, "POST", "2xx", "hit");
api.responseSize.record(2048, "GET", "2xx", "hit");
api.httpURL.set(42, "GET", "2xx", "hit");
const getHit = api.requests.at("GET", "2xx", "hit");
getHit.inc();
getHit.add(2);
api.latency.at(method, "2xx", "hit").record(1.5);
api.queueWait.at("POST", "2xx", "miss").record(3);
const jobs = new Jobs(worker);
jobs.wait.record(7, "import");
jobs.delta.record(-3, "export");
jobs.done.inc("export");
const cache = new Cache({ region: "eu" });
cache.evictionAge.record(30);
cache.size.set(1024);
cache.load.record(0.75);
cache.hits.inc();
cache.hits.add(3);
const names: string[] = DESCRIPTORS.map((d) => d.name);
const hash: string = SCHEMA_HASH;
const overflow: boolean = api.overflow || jobs.overflow || cache.overflow;
export { names, hash, overflow };
`;

const BAD_LINE = 5;
const BAD_METHOD = `import { HttpServer } from "./demo.generated.ts";

const server = new HttpServer({ workerId: 0, route: "/" });
server.requests.inc("GET", "2xx");
server.requests.inc("PUT", "2xx");
`;

interface TscError {
  readonly file: string;
  readonly line: number;
  readonly code: string;
  readonly text: string;
}

let errors: TscError[] = [];

describe("generated modules under tsc --strict", () => {
  beforeAll(() => {
    const dir = scratchDir("compile");
    const emit = (schema: string, out: string): void => {
      const result = generate({ schema, out: join(dir, out), cwd: ROOT });
      if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
      writeFileSync(join(dir, out), result.outputs[0].content);
    };
    emit(`${GOOD}/everything.ts`, "everything.generated.ts");
    emit(DEMO_SCHEMA, "demo.generated.ts");
    writeFileSync(join(dir, "use-everything.ts"), USE_EVERYTHING);
    writeFileSync(join(dir, "bad-method.ts"), BAD_METHOD);
    // The project's own compiler options (NodeNext, customConditions ["source"], .ts imports).
    const base = relative(dir, join(ROOT, "tsconfig.json")).split("\\").join("/");
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: base, compilerOptions: { noEmit: true, noUncheckedIndexedAccess: true, erasableSyntaxOnly: true }, include: ["*.ts"] }),
    );
    const tsc = spawnSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(dir, "tsconfig.json"), "--strict", "--noEmit", "--pretty", "false"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    errors = [...tsc.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({ file: m[1], line: Number(m[2]), code: m[3], text: m[4] }));
    // A tsc that failed for another reason (crash, bad config) must not look like "no errors".
    if (tsc.status !== 0 && errors.length === 0) throw new Error(`tsc failed without diagnostics:\n${tsc.stdout}${tsc.stderr}`);
  }, 60_000);

  it("the generated modules and a program using every method compile with zero errors", () => {
    expect(errors.filter((e) => !e.file.endsWith("bad-method.ts"))).toEqual([]);
  });

  it('passing "PUT" to a method enum fails to compile at that line', () => {
    const bad = errors.filter((e) => e.file.endsWith("bad-method.ts"));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ line: BAD_LINE, code: "TS2345" });
    expect(bad[0].text).toContain('"PUT"');
    expect(bad[0].text).toContain("HttpServerMethod");
  });
});
