// `telemetry-server query --store X` answers from X and from nothing else (issue 8): read-only when
// no process holds X, through a server only when that server reports X as its open store.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, post } from "./helpers/batches.ts";
import { freePort, startServerProcess, tempStore, type ServerProcess } from "./helpers/server-process.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const CLI = resolve(ROOT, "src/cli/telemetry-server.ts");
const cli = (args: string[]) =>
  run(process.execPath, ["--conditions=source", "--import", "tsx", CLI, ...args], { cwd: ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const ITEMS = "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'";

let a: ServerProcess; // running, holds store A (2 x 3 items)
let c: ServerProcess; // running, holds store C (2 x 5 items)
let storeB: string; // closed file (2 x 7 items)

beforeAll(async () => {
  storeB = tempStore("cli-b");
  const b = await startServerProcess({ store: storeB });
  expect((await post(b.url, batch("b", 1, 7))).status).toBe(200);
  expect(await b.stop()).toBe(0);
  [a, c] = await Promise.all([startServerProcess({ store: tempStore("cli-a") }), startServerProcess({ store: tempStore("cli-c") })]);
  expect((await post(a.url, batch("a", 1, 3))).status).toBe(200);
  expect((await post(c.url, batch("c", 1, 5))).status).toBe(200);
});
afterAll(async () => {
  for (const s of [a, c]) {
    await s?.stop("SIGKILL");
    if (s) rmSync(dirname(s.store), { recursive: true, force: true });
  }
  rmSync(dirname(storeB), { recursive: true, force: true });
});

describe("query --store", () => {
  it("reads the named file, not the server at --url that holds another one", async () => {
    const r = await cli(["query", ITEMS, "--store", storeB, "--url", a.url, "--json"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).rows).toEqual([[14]]);
  }, 60_000);

  it("asks the server at --url when that server has the named file open", async () => {
    const r = await cli(["query", ITEMS, "--store", a.store, "--url", a.url, "--json"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).rows).toEqual([[6]]);
  }, 60_000);

  it("refuses a server that has a different store open", async () => {
    const r = await cli(["query", ITEMS, "--store", a.store, "--url", c.url, "--json"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${a.store} is held by another process, and the server at ${c.url} has a different store open: pass --url`);
  }, 60_000);

  it("refuses when no server answers and the file is held", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await cli(["query", ITEMS, "--store", a.store, "--url", url]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the server at ${url} does not answer`);
  }, 60_000);
});
