import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_VARIABLES, loadConfig, loadEnvFile } from "../../src/config.js";
import { formatLogLine } from "../../src/logging.js";
import { readyMessage } from "../../src/ready-message.js";

const repo = (file: string) => readFileSync(path.resolve(import.meta.dirname, "../..", file), "utf8");

describe("a .env file", () => {
  it("fills the variables the environment leaves unset, and never overrides one that is set", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "repere-env-"));
    const file = path.join(dir, ".env");
    writeFileSync(file, "PORT=4100\nDEFAULT_LOCALE=en # a comment\nLOG_LEVEL=debug\n");
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: "warn" };
    expect(loadEnvFile(file, env)).toBe(file);
    const config = loadConfig(env);
    expect(config.port).toBe(4100);
    expect(config.defaultLocale).toBe("en");
    expect(config.logLevel).toBe("warn");
  });

  it("is optional", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(path.join(tmpdir(), "no-such-dir-repere", ".env"), env)).toBeNull();
    expect(env).toEqual({});
  });

  it(".env.example names every variable the bot reads, and as given starts the defaults", () => {
    const example = parseEnv(repo(".env.example"));
    expect(Object.keys(example).sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
    expect(loadConfig(example as NodeJS.ProcessEnv)).toEqual(loadConfig({}));
  });

  it("the README's configuration table names every variable too", () => {
    const readme = repo("README.md");
    const missing = ENVIRONMENT_VARIABLES.filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});

describe("log lines at a terminal", () => {
  it("reads as time, message and fields; the level only when it is not info", () => {
    const info = formatLogLine(JSON.stringify({ level: 30, time: "2026-12-06T18:51:25.123Z", app: "repere", msg: "demo académie seeded" }));
    expect(info).toBe("18:51:25 demo académie seeded\n");
    const warn = formatLogLine(JSON.stringify({ level: 40, time: "2026-12-06T18:51:26.000Z", app: "repere", msg: "slow", port: 3978, host: "0.0.0.0" }));
    expect(warn).toBe("18:51:26 WARN slow  (port=3978 host=0.0.0.0)\n");
  });

  it("passes anything that is not a JSON line through unchanged", () => {
    expect(formatLogLine("plain\n")).toBe("plain\n");
  });
});

describe("the ready line", () => {
  const local = loadConfig({ DATA_DIR: "/srv/repere" });

  it("says where the bot listens, how to try it and who the demo people are", () => {
    const text = readyMessage(local, 3978, true);
    expect(text).toContain("Repère is ready at http://127.0.0.1:3978/api/messages (embedded database in /srv/repere)");
    expect(text).toContain("npm run playground, then open http://localhost:56150/ as Claire Martin");
    expect(text).toContain("Sophie Laurent (MLDS coordinator)");
    expect(text).toContain("requests are not authenticated");
  });

  it("names the port for the Playground when it is not the default one", () => {
    expect(readyMessage(local, 4500, true)).toContain("PORT=4500 npm run playground");
  });

  it("has no demo people without demo data, and no warning once requests are authenticated", () => {
    const production = loadConfig({
      DATABASE_URL: "postgresql://u@db/repere",
      MicrosoftAppId: "0b5c1e3a-9f7d-4c1b-8a2e-6d4f3b2a1c0e",
      MicrosoftAppPassword: "s",
    });
    const text = readyMessage(production, 3978, false);
    expect(text).toBe("Repère is ready at http://127.0.0.1:3978/api/messages (PostgreSQL).");
  });
});
