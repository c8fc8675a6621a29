// SIGTERM while queries run (issue 9, D6), on the real server process: running queries are
// interrupted and what was accepted is stored; a query DuckDB cannot interrupt does not hold the
// process past --shutdown-grace; a second signal exits at once.
import { afterEach, describe, expect, it } from "vitest";
import { batch, post } from "./helpers/batches.ts";
import { query, serverPool, sql, tempStore, until, type ServerProcess } from "./helpers/server-process.ts";

const RUNAWAY = "SELECT count(*) FROM range(1000000000000)";
// One row whose computation DuckDB never checks for an interrupt: about 10 s of CPU on this machine.
const STUCK = "SELECT list_sum(list_sort(list_reverse(range(20000000))))";

const servers = serverPool();
const start = servers.startOn;
afterEach(servers.cleanup);

/** Starts `statement` on each of the server's query slots, waits until they are all taken, and returns their answers. */
async function occupy(s: ServerProcess, statement: string, n: number) {
  const answers = Array.from({ length: n }, () => sql(s.url, statement).catch((e: Error) => e));
  await until(async () => ((await sql(s.url, "SELECT 1")).status === 503 ? true : undefined), `${n} queries running`);
  return answers;
}

describe("SIGTERM during queries", () => {
  it("interrupts 4 runaway queries, stores what was accepted and exits 0 within the grace", async () => {
    const store = tempStore("sigterm-queries");
    // Only the signal can end these queries: their deadline is far away.
    const s = await start(store, ["--query-timeout", "10m", "--shutdown-grace", "20s", "--max-queries", "4"]);
    expect((await post(s.url, batch("kept", 1, 4))).status).toBe(200);
    const answers = await occupy(s, RUNAWAY, 4);
    // A forced exit would be a SIGKILL; 0 is the orderly path. 40 s leaves room for a busy machine.
    expect(await s.stop("SIGTERM", 40_000)).toBe(0);
    // Each query was answered before its connection closed.
    for (const a of await Promise.all(answers)) expect(a).toMatchObject({ status: 503, body: { error: { code: "E_SHUTTING_DOWN" } } });
    expect(s.output()).toContain("stopped");
    const after = await start(store, []);
    expect(await query(after.url, "SELECT sum(value) FROM metric_points WHERE metric = 'job.items'")).toEqual([[8]]);
  }, 120_000);

  it("a query DuckDB cannot interrupt does not hold the process past --shutdown-grace", async () => {
    const s = await start(tempStore("sigterm-grace"), ["--shutdown-grace", "1s", "--max-queries", "1"]);
    await occupy(s, STUCK, 1);
    expect(await s.stop("SIGTERM", 30_000)).toBe("SIGKILL");
    expect(s.output()).toMatch(/shutdown did not finish within 1000 ms \(--shutdown-grace\): exiting now/);
  }, 60_000);

  it("a second signal exits at once", async () => {
    const s = await start(tempStore("sigterm-twice"), ["--shutdown-grace", "5m", "--max-queries", "1"]);
    await occupy(s, STUCK, 1);
    process.kill(s.pid, "SIGTERM");
    await until(async () => (s.output().includes("SIGTERM: storing what is pending") ? true : undefined), "the first signal to be handled");
    expect(await s.stop("SIGINT", 30_000)).toBe("SIGKILL");
    expect(s.output()).toContain("SIGINT again: exiting now");
  }, 60_000);
});
