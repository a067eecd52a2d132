// Lint: typescript-eslint's recommended rules, and the layering that DESIGN and docs/ARCHITECTURE.md
// state, as rules: the domain imports nothing of the other layers, only src/teams imports
// botbuilder, only src/store reaches the database, only src/config.ts reads the environment.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const DATABASE = ["pg", "pg-*", "kysely", "kysely/*", "@prisma/*", "@electric-sql/*", "**/generated/**"];
const BOTBUILDER = ["botbuilder", "botbuilder-*", "botbuilder/*", "botbuilder-*/**", "botframework-*"];
const layer = (message, groups) => ({ "no-restricted-imports": ["error", { patterns: groups.map((group) => ({ group, message })) }] });

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "src/generated/", "test-results/", "data/", "bench/results/", "web/dist/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: layer("src/domain is pure: no I/O and nothing from the other layers (docs/ARCHITECTURE.md).", [
      ["../store/**", "../services/**", "../teams/**", "../http/**", "../config.js", "../logging.js", "../app.js", "../main.js"],
      [...DATABASE, ...BOTBUILDER, "node:fs", "node:fs/*", "node:net", "node:http", "node:https", "node:child_process", "restify", "pino"],
    ]),
  },
  {
    files: ["src/services/**/*.ts"],
    rules: layer("src/services decide and authorise; only src/teams speaks botbuilder and only src/store the database.", [
      ["../teams/**", "../http/**"],
      [...DATABASE, ...BOTBUILDER],
    ]),
  },
  {
    files: ["src/http/**/*.ts", "src/app.ts", "src/main.ts", "src/config.ts", "src/logging.ts"],
    rules: layer("only src/teams imports botbuilder and only src/store reaches the database.", [[...DATABASE, ...BOTBUILDER]]),
  },
  {
    files: ["src/teams/**/*.ts"],
    rules: layer("only src/store reaches the database.", [[...DATABASE]]),
  },
  {
    files: ["src/store/**/*.ts"],
    rules: layer("src/store knows nothing of services, Teams or HTTP.", [["../services/**", "../teams/**", "../http/**", ...BOTBUILDER]]),
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/config.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Only src/config.ts reads the environment: add a setting there." }],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", URL: "readonly" } },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      // Tests read what cards and payloads hold without declaring their whole shape.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
