import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import {
  copyTemplateTo,
  EMBEDDED_SHARED_BUFFERS,
  ensureMigratedTemplate,
  ensureTemplate,
  migratedTemplateDir,
  templateDir,
  tuneEmbeddedConfig,
} from "../../src/store/pglite-template.js";

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

  it("gives a first start the database already migrated, for the migrations it was made with only", async () => {
    const cache = mkdtempSync(path.join(tmpdir(), "repere-template-"));
    const v1 = [{ name: "20260101000000_init", checksum: "a" }];
    const v2 = [...v1, { name: "20260201000000_more", checksum: "b" }];
    const migrateTo = (table: string) => async (pgdata: string) => {
      const db = await PGlite.create(pgdata);
      await db.exec(`CREATE TABLE ${table} (n int)`);
      await db.close();
    };
    const tables = async (pgdata: string) => {
      const db = await PGlite.create(pgdata);
      const rows = (await db.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows;
      await db.close();
      return rows.map((r) => r.tablename);
    };
    const dataDir = () => path.join(mkdtempSync(path.join(tmpdir(), "repere-data-")), "pgdata");

    expect(await ensureMigratedTemplate(v1, migrateTo("first"), cache)).toBe(migratedTemplateDir(v1, cache));
    const migrated = dataDir();
    expect(copyTemplateTo(migrated, cache, v1)).toBe(true);
    expect(await tables(migrated)).toEqual(["first"]);

    // New migrations since the install: the empty cluster, which the start then migrates.
    const behind = dataDir();
    expect(copyTemplateTo(behind, cache, v2)).toBe(true);
    expect(await tables(behind)).toEqual([]);

    // The next install makes the template of its migrations and drops the one it replaces.
    await ensureMigratedTemplate(v2, migrateTo("second"), cache);
    expect(existsSync(migratedTemplateDir(v1, cache))).toBe(false);
    const current = dataDir();
    copyTemplateTo(current, cache, v2);
    expect(await tables(current)).toEqual(["second"]);
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
