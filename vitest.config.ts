import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/playground/**", "test/e2e/tab/**", "test/faults/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores here; PGlite instances weigh ~100-400 MB each.
    maxWorkers: 2,
    env: { CHECKPOINT_DISABLE: "1" },
  },
});
