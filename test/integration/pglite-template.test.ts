import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { copyTemplateTo, ensureTemplate, templateDir } from "../../src/store/pglite-template.js";

describe("the embedded database template made at install time", () => {
  it("gives a new data directory a working empty cluster, made once and copied after", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "repere-template-"));
    const dir = await ensureTemplate(cache);
    expect(dir).toBe(templateDir(cache));
    const made = statSync(path.join(dir, "PG_VERSION")).mtimeMs;
    expect(await ensureTemplate(cache)).toBe(dir);
    expect(statSync(path.join(dir, "PG_VERSION")).mtimeMs).toBe(made);

    const pgdata = path.join(mkdtempSync(path.join(tmpdir(), "repere-data-")), "pgdata");
    expect(copyTemplateTo(pgdata, cache)).toBe(true);
    expect(existsSync(`${pgdata}.partial`)).toBe(false);
    const db = await PGlite.create(pgdata);
    await db.exec("CREATE TABLE probe (n int); INSERT INTO probe VALUES (42)");
    expect((await db.query<{ n: number }>("SELECT n FROM probe")).rows).toEqual([{ n: 42 }]);
    await db.close();

    // An existing database is never overwritten.
    expect(copyTemplateTo(pgdata, cache)).toBe(false);
    const reopened = await PGlite.create(pgdata);
    expect((await reopened.query<{ n: number }>("SELECT n FROM probe")).rows).toEqual([{ n: 42 }]);
    await reopened.close();
  }, 120_000);

  it("without a template, leaves the bot to create its database itself", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "repere-template-"));
    const pgdata = path.join(mkdtempSync(path.join(tmpdir(), "repere-data-")), "pgdata");
    expect(copyTemplateTo(pgdata, empty)).toBe(false);
    expect(existsSync(pgdata)).toBe(false);
  });
});
