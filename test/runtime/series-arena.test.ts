// The series' accumulators share blocks (series-arena.ts): every run must be its own memory,
// zeroed, and the right length, across block boundaries and for runs larger than a block.
import { describe, expect, it } from "vitest";
import { SeriesArena } from "../../src/runtime/series-arena.ts";

describe("SeriesArena", () => {
  it("hands out zeroed runs that never overlap, across growing blocks and oversized runs", () => {
    const arena = new SeriesArena();
    // Enough runs of awkward sizes to cross several blocks (1024, 2048, ... elements), plus runs larger than the largest block.
    const sizes = Array.from({ length: 3000 }, (_, i) => (i % 97 === 0 ? 200_000 : 1 + ((i * 37) % 61)));
    const runs = sizes.map((n) => arena.take(n));
    runs.forEach((run, i) => {
      expect(run.length).toBe(sizes[i]);
      expect(run.every((x) => x === 0)).toBe(true);
      // Mark each run with its own index; an overlap would overwrite an earlier mark.
      run.fill(i + 1);
    });
    runs.forEach((run, i) => expect(run.every((x) => x === i + 1)).toBe(true));
  });
});
