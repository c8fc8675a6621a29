import { defineConfig } from "vitest/config";

// Tests run the TypeScript sources: the "source" export condition maps `percore/*` to src/.
export default defineConfig({
  resolve: { conditions: ["source", "module", "node", "import", "default"] },
  // No "module" condition for SSR: packages such as @opentelemetry/api point it at ESM builds
  // with extension-less imports, which Node cannot load once vitest externalizes them.
  ssr: { resolve: { conditions: ["source", "node", "import", "default"], externalConditions: ["source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "default", include: ["test/**/*.test.ts"] } },
      // The collector's own suite once more with every `new Collector()` in its own thread
      // (PERCORE_COLLECTOR_THREAD=1 makes thread: true the default): both modes keep the same guarantees.
      { extends: true, test: { name: "collector-thread", include: ["test/runtime/*.test.ts"], env: { PERCORE_COLLECTOR_THREAD: "1" } } },
    ],
  },
});
