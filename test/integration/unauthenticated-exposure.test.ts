import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type App } from "../../src/app.js";
import { createLogger } from "../../src/logging.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName } from "../helpers/database.js";

/** A bot without an app id authenticates nobody. Listening beyond loopback that way must be asked
 *  for (ALLOW_UNAUTHENTICATED=true, checked in test/unit/config-exposure.test.ts) and is then said
 *  in the logs at start and every hour. */

describe("a bot reachable from other machines without authentication", () => {
  let app: App | undefined;
  let schema = "";
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await dropSchema(schema);
  });

  async function start(env: Record<string, string>, logs: string[]) {
    schema = uniqueSchemaName();
    const config = loadConfig({ PORT: "0", DATABASE_URL: POSTGRES_URL, SEED_DEMO: "never", ...env });
    app = await startApp(config, {
      schema,
      outboxDelivery: "manual",
      logger: createLogger("warn", { write: (line: string) => void logs.push(line) }),
      unauthenticatedWarningMs: 50,
    });
  }
  const warnings = (logs: string[]) =>
    logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && /requests are not authenticated/.test(l.msg));

  it("warns at start, and again at each interval", async () => {
    const logs: string[] = [];
    await start({ HOST: "0.0.0.0", ALLOW_UNAUTHENTICATED: "true" }, logs);
    expect(warnings(logs).length).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 100 && warnings(logs).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(warnings(logs).length).toBeGreaterThanOrEqual(3);
  });

  it("says nothing of the kind on loopback", async () => {
    const logs: string[] = [];
    await start({ HOST: "127.0.0.1" }, logs);
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings(logs)).toEqual([]);
  });
});
