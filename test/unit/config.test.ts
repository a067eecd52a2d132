import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("configuration from the environment", () => {
  it("starts in local mode on the embedded database with nothing set", () => {
    const c = loadConfig({});
    expect(c.port).toBe(3978);
    expect(c.host).toBe("127.0.0.1");
    expect(c.database).toEqual({ kind: "embedded", dataDir: path.resolve("./data") });
    expect(c.bot.appId).toBeUndefined();
    expect(c.allowedTenantIds).toEqual([]);
    expect(c.defaultLocale).toBe("fr");
  });

  it("uses PostgreSQL when DATABASE_URL is set", () => {
    const c = loadConfig({ DATABASE_URL: "postgresql://repere@db.example:5432/repere" });
    expect(c.database).toEqual({ kind: "postgres", url: "postgresql://repere@db.example:5432/repere" });
    expect(loadConfig({ DATABASE_URL: "postgres://u@h/d" }).database.kind).toBe("postgres");
  });

  it("takes the PostgreSQL schema from DATABASE_URL's schema parameter, as Prisma does", () => {
    expect(loadConfig({ DATABASE_URL: "postgresql://u@h:5432/d?schema=repere_a" }).database).toEqual({
      kind: "postgres",
      url: "postgresql://u@h:5432/d",
      schema: "repere_a",
    });
    expect(loadConfig({ DATABASE_URL: "postgresql://u@h/d?sslmode=require&schema=x&application_name=r" }).database).toEqual({
      kind: "postgres",
      url: "postgresql://u@h/d?sslmode=require&application_name=r",
      schema: "x",
    });
    expect(problems({ DATABASE_URL: "postgresql://u@h/d?schema=Bad;Drop" })[0]).toMatch(/^DATABASE_URL has a schema parameter/);
  });

  it("forces the answers' language only when FORCE_LOCALE says so", () => {
    expect(loadConfig({}).forceLocale).toBeUndefined();
    expect(loadConfig({ FORCE_LOCALE: "" }).forceLocale).toBeUndefined();
    expect(loadConfig({ FORCE_LOCALE: "fr" }).forceLocale).toBe("fr");
  });

  it("treats empty variables as unset", () => {
    const c = loadConfig({ PORT: "", DATABASE_URL: " ", MicrosoftAppId: "", ALLOWED_TENANT_IDS: "" });
    expect(c.port).toBe(3978);
    expect(c.database.kind).toBe("embedded");
    expect(c.bot.appId).toBeUndefined();
  });

  it("parses the tenant allow-list and the bot credentials", () => {
    const c = loadConfig({
      ALLOWED_TENANT_IDS: " 11111111-1111-1111-1111-111111111111 , 22222222-2222-2222-2222-222222222222,",
      MicrosoftAppId: "0b5c1e3a-9f7d-4c1b-8a2e-6d4f3b2a1c0e",
      MicrosoftAppPassword: "secret",
      DEFAULT_LOCALE: "en",
    });
    expect(c.allowedTenantIds).toEqual(["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"]);
    expect(c.bot).toMatchObject({ appId: "0b5c1e3a-9f7d-4c1b-8a2e-6d4f3b2a1c0e", appPassword: "secret", appType: "MultiTenant" });
    expect(c.defaultLocale).toBe("en");
  });

  it.each([
    [{ PORT: "abc" }, /^PORT must be a port number \(0-65535\) \(got "abc"\)$/],
    [{ PORT: "70000" }, /^PORT must be a port number/],
    [{ DATABASE_URL: "mysql://root@localhost/repere" }, /^DATABASE_URL must be a PostgreSQL URL/],
    [{ MicrosoftAppId: "not-a-guid", MicrosoftAppPassword: "x" }, /^MicrosoftAppId must be the bot's Microsoft app id \(a GUID\)/],
    [{ MicrosoftAppId: "0b5c1e3a-9f7d-4c1b-8a2e-6d4f3b2a1c0e" }, /^MicrosoftAppPassword is required when MicrosoftAppId is set$/],
    [{ MicrosoftAppType: "Single" }, /^MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI/],
    [{ DEFAULT_LOCALE: "de" }, /^DEFAULT_LOCALE must be fr or en/],
    [{ FORCE_LOCALE: "es" }, /^FORCE_LOCALE must be fr or en, or empty/],
    [{ LOG_LEVEL: "verbose" }, /^LOG_LEVEL must be one of/],
  ])("refuses %o with one readable line naming the variable", (env, expected) => {
    const lines = problems(env as Record<string, string>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  it("reports every wrong variable at once, one line each, and never shows a password", () => {
    const lines = problems({
      PORT: "x",
      DATABASE_URL: "sqlite:./db",
      MicrosoftAppType: "SingleTenant",
      MicrosoftAppId: "0b5c1e3a-9f7d-4c1b-8a2e-6d4f3b2a1c0e",
      MicrosoftAppPassword: "hunter2",
    });
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["PORT", "DATABASE_URL", "MicrosoftAppTenantId"]);
    expect(lines.join("\n")).not.toContain("hunter2");
  });

  it("reads the months after which an idle open case is proposed for closure: 6 by default", () => {
    expect(loadConfig({}).idleCaseMonths).toBe(6);
    expect(loadConfig({ IDLE_CASE_MONTHS: " 9 " }).idleCaseMonths).toBe(9);
    for (const wrong of ["0", "61", "six", "2.5"])
      expect(problems({ IDLE_CASE_MONTHS: wrong })).toEqual([`IDLE_CASE_MONTHS must be a number of months (1-60) (got "${wrong}")`]);
  });

  it("reads the retention of closed cases: the end of the school year by default, or a number of days", () => {
    expect(loadConfig({}).retention).toEqual({ kind: "endOfSchoolYear" });
    expect(loadConfig({ RETENTION: "end-of-school-year" }).retention).toEqual({ kind: "endOfSchoolYear" });
    expect(loadConfig({ RETENTION: " 365 " }).retention).toEqual({ kind: "days", days: 365 });
    for (const wrong of ["0", "-3", "1.5", "forever", "99999"]) {
      expect(problems({ RETENTION: wrong })).toEqual([`RETENTION must be "end-of-school-year" or a number of days after closure (1-3650) (got "${wrong}")`]);
    }
  });

  it("reads how long the bot waits for the database: 5 s per statement and per connection by default", () => {
    expect(loadConfig({}).databaseTimeouts).toEqual({ statementMs: 5000, connectMs: 5000 });
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_SECONDS: "3", DATABASE_CONNECT_TIMEOUT_SECONDS: "2" }).databaseTimeouts).toEqual({
      statementMs: 3000,
      connectMs: 2000,
    });
    for (const wrong of ["0", "2.5", "soon", "601"]) {
      expect(problems({ DATABASE_STATEMENT_TIMEOUT_SECONDS: wrong })).toEqual([
        `DATABASE_STATEMENT_TIMEOUT_SECONDS must be a number of seconds (1-600) (got "${wrong}")`,
      ]);
    }
  });

  it("reads how long the outbox retries a failing send (24 h) and the shutdown's grace period (8 s)", () => {
    expect(loadConfig({})).toMatchObject({ outboxGiveUpMs: 24 * 3_600_000, shutdownGraceMs: 8000 });
    expect(loadConfig({ OUTBOX_GIVE_UP_HOURS: "72", SHUTDOWN_GRACE_SECONDS: "25" })).toMatchObject({ outboxGiveUpMs: 72 * 3_600_000, shutdownGraceMs: 25_000 });
    expect(problems({ OUTBOX_GIVE_UP_HOURS: "0" })).toEqual([`OUTBOX_GIVE_UP_HOURS must be a number of hours (1-720) (got "0")`]);
    expect(problems({ SHUTDOWN_GRACE_SECONDS: "ten" })).toEqual([`SHUTDOWN_GRACE_SECONDS must be a number of seconds (1-300) (got "ten")`]);
  });
});
