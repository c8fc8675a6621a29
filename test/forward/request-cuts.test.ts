// A span larger than one request is cut into several, where the time changes only, and the cuts
// depend on the rows alone: a resend after a restart repeats the same requests.
import { describe, expect, it } from "vitest";
import { requestCuts } from "../../src/server/forward/forwarder.ts";
import { PointRows } from "../../src/server/ingest/point-rows.ts";

function rowsAt(times: readonly number[]): PointRows {
  const rows = new PointRows();
  times.forEach((t, i) => rows.push(t, 1, i, 0, 0, 1));
  return rows;
}

describe("requestCuts", () => {
  it("keeps a small span whole, and an empty one as one empty request", () => {
    expect(requestCuts(rowsAt([1, 2, 3]), 10)).toEqual([0, 3]);
    expect(requestCuts(new PointRows(), 10)).toEqual([0, 0]);
  });

  it("cuts after at least `size` rows, at the first change of time, never inside one time", () => {
    // Times 1 x4, 2 x4, 3 x4, 4 x1: with size 3, the rows of one time stay together.
    const times = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4];
    const cuts = requestCuts(rowsAt(times), 3);
    expect(cuts).toEqual([0, 4, 8, 12, 13]);
    for (let k = 1; k < cuts.length - 1; k++) expect(times[cuts[k]]).not.toBe(times[cuts[k] - 1]);
  });

  it("takes whole runs of one time beyond the size, then cuts again", () => {
    const times = [1, 2, 3, 4, 5, 5, 5, 5, 5, 6, 7, 8];
    expect(requestCuts(rowsAt(times), 2)).toEqual([0, 2, 4, 9, 11, 12]);
  });
});
