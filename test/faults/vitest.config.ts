import { defineConfig } from "vitest/config";

// `npm run faults`: the fault campaign on bot processes (a proxy in front of the database that
// stalls, resets or terminates connections; a fake Teams that is slow; a full disk; SIGTERM and
// kill -9). Slower than `npm test`, which holds the quick fault tests.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    env: { CHECKPOINT_DISABLE: "1" },
  },
});
