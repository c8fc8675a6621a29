import { defineConfig } from "vitest/config";

// Tests run the TypeScript sources: the "source" export condition maps `percore/*` to src/.
export default defineConfig({
  resolve: { conditions: ["source", "module", "node", "import", "default"] },
  // No "module" condition for SSR: packages such as @opentelemetry/api point it at ESM builds
  // with extension-less imports, which Node cannot load once vitest externalizes them.
  ssr: { resolve: { conditions: ["source", "node", "import", "default"], externalConditions: ["source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
