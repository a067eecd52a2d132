import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { copyTemplateTo, EMBEDDED_SHARED_BUFFERS, ensureTemplate, templateDir, tuneEmbeddedConfig } from "../../src/store/pglite-template.js";

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

describe("the embedded database's memory settings", () => {
  it("sets a small buffer cache in postgresql.conf, keeping initdb's other settings, once", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "repere-template-"));
    const pgdata = path.join(mkdtempSync(path.join(tmpdir(), "repere-data-")), "pgdata");
    await ensureTemplate(cache);
    copyTemplateTo(pgdata, cache);
    const conf = () => readFileSync(path.join(pgdata, "postgresql.conf"), "utf8");
    expect(conf()).toMatch(/^shared_buffers = 16MB/m);
    expect(conf()).toMatch(/^timezone = /m);
    tuneEmbeddedConfig(pgdata);
    expect(conf().match(/^shared_buffers/gm)).toHaveLength(1);
    const db = await PGlite.create(pgdata);
    expect((await db.query<{ shared_buffers: string }>("SHOW shared_buffers")).rows[0]!.shared_buffers).toBe(EMBEDDED_SHARED_BUFFERS);
    await db.close();
  }, 120_000);
});
