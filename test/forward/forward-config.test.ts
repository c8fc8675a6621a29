// The remote-write options: repeatable flags keep every value, bad values are refused with what,
// where and how to fix.
import { describe, expect, it } from "vitest";
import { readFlags, serveConfig } from "../../src/server/config.ts";
import { isServerError } from "../../src/server/errors.ts";

const config = (...args: string[]) => {
  const f = readFlags(args);
  if (isServerError(f)) throw new Error(f.message);
  return serveConfig(f.flags, {});
};

describe("--remote-write options", () => {
  it("repeated --remote-write, --remote-write-header and --remote-write-label all count", () => {
    const c = config(
      "--remote-write",
      "http://127.0.0.1:9090/api/v1/write",
      "--remote-write=http://user:pw@vm:8428/api/v1/write",
      "--remote-write-header",
      "X-Scope-OrgID: team-a",
      "--remote-write-header",
      "Authorization: Bearer x",
      "--remote-write-label",
      "server=a",
      "--remote-write-batch",
      "5000",
      "--remote-write-backoff",
      "2s",
    );
    if (isServerError(c)) throw new Error(c.message);
    expect(c.remoteWrite?.destinations.map((d) => d.url)).toEqual(["http://127.0.0.1:9090/api/v1/write", "http://user:pw@vm:8428/api/v1/write"]);
    expect(c.remoteWrite?.destinations[1].headers).toEqual({ "X-Scope-OrgID": "team-a", Authorization: "Bearer x" });
    expect(c.remoteWrite?.externalLabels).toEqual({ server: "a" });
    expect(c.remoteWrite?.limits).toMatchObject({ maxBatchPoints: 5000, maxPendingPoints: 50_000_000, backoffMaxMs: 2000, timeoutMs: 30_000 });
  });

  it("no --remote-write: no forwarding", () => {
    const c = config();
    expect(isServerError(c) ? c : c.remoteWrite).toBeUndefined();
  });

  for (const [args, message] of [
    [["--remote-write", "not a url"], /is not a URL; give e\.g\. http:\/\/127\.0\.0\.1:9090\/api\/v1\/write/],
    [["--remote-write", "ftp://x/y"], /must be http or https/],
    [["--remote-write", "http://a/w", "--remote-write", "http://a/w"], /given twice/],
    [["--remote-write", "http://a/w", "--remote-write-header", "no colon"], /must read 'Name: value'/],
    [["--remote-write-header", "A: b"], /needs a --remote-write <url>/],
    [["--remote-write", "http://a/w", "--remote-write-label", "__name__=x"], /must read name=value/],
    [["--remote-write", "http://a/w", "--remote-write-batch", "0"], /remote-write-batch must be a whole number/],
    [["--remote-write", "http://a/w", "--remote-write-backoff", "soon"], /remote-write-backoff must be a duration/],
  ] as const) {
    it(`refuses ${args.join(" ")}`, () => {
      const c = config(...args);
      expect(isServerError(c)).toBe(true);
      if (isServerError(c)) {
        expect(c.code).toBe("E_BAD_PARAM");
        expect(c.message).toMatch(message);
        expect(c.where).toMatch(/^--remote-write/);
      }
    });
  }
});
