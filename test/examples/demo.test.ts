// `npm run demo` end to end, shortened: server, thread-per-core service, load, stored results, all stopped.
import { describe, expect, it } from "vitest";
import { runScript } from "./run-script.ts";

describe("examples/demo", () => {
  it("runs the service under load, stores every request, prints the queries and exits 0", async () => {
    const r = await runScript("examples/demo/main.ts", ["--duration", "3", "--connections", "4"], 90_000);
    expect(r.output).toMatch(/nothing lost/);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/requests per worker thread/);
    expect(r.output).toMatch(/\/api\/items\/:id \| 2xx/);
    expect(r.output).toMatch(/piscina\.pool\.completed/);
    // Both children were stopped cleanly by the demo.
    expect(r.output).toMatch(/\[service\] stopped/);
    expect(r.output).toMatch(/\[telemetry-server\] .* stopped/);
  });
});
