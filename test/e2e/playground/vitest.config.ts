import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run test:e2e`: the journeys in the Agents Playground (test/e2e/playground/), one file,
// one bot and two Playgrounds, in order; then the personal tab in Chromium (test/e2e/tab/). Kept out of the main `vitest run` (see vitest.config.ts).
export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../.."),
  test: {
    include: ["test/e2e/playground/**/*.test.ts", "test/e2e/tab/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
    // Five agents share two cores: what a page shows may take more than the default second to appear.
    expect: { poll: { timeout: 10_000 } },
    env: { CHECKPOINT_DISABLE: "1", APPLICATION_INSIGHTS_NO_STATSBEAT: "true" },
  },
});
