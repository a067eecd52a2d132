import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The personal tab « Mes dossiers »: built into web/dist, served by the bot's server under /tab/
// (src/http/tab-pages.ts). `npm run build:tab` runs it when web/ changed (scripts/build-tab.mjs).
const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: "/tab/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: {
    outDir: path.join(root, "dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // Fluent UI marks its modules "use client" (React Server Components): nothing to keep here.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
