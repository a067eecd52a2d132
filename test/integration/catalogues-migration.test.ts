import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "../../src/store/pglite-server.js";
import { applyMigrations, readMigrations } from "../../src/store/migrate.js";
import { isKnownPlanActionCode, isPlanActionCode } from "../../src/domain/plan-catalogue.js";
import { DATABASE_KINDS, dropSchema, POSTGRES_URL, uniqueSchemaName } from "../helpers/database.js";

const CATALOGUES_MIGRATION = "20261206140000_catalogues_outcomes";

describe.each(DATABASE_KINDS)("plans and outcomes written before the two catalogues, on %s", (kind) => {
  const opened: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it("stay readable: old action codes become the new ones or stay as legacy, « déménagement » stays a closed case's outcome", async () => {
    const migrations = readMigrations();
    const at = migrations.findIndex((m) => m.name === CATALOGUES_MIGRATION);
    expect(at).toBeGreaterThan(0);
    const db = await openBare(kind);
    opened.push(db);
    await applyMigrations(db.pool, migrations.slice(0, at));
    await db.pool.query(`INSERT INTO "District" ("id", "code", "name") VALUES ('d1', 'N', 'Nord')`);
    await db.pool.query(`INSERT INTO "School" ("id", "uai", "name", "kind", "districtId") VALUES ('s1', '0690001B', 'Lycée', 'LYCEE_GT', 'd1')`);
    await db.pool.query(
      `INSERT INTO "Pupil" ("id", "schoolId", "lastName", "firstName", "nameKey", "birthYear") VALUES ('p1', 's1', 'Dupont', 'Léa', 'dupont lea', 2009)`,
    );
    for (const c of ["c1", "c2"]) {
      await db.pool.query(
        `INSERT INTO "Case" ("id", "reference", "pupilId", "schoolId", "districtId", "urgency", "updatedAt") VALUES ($1, $2, 'p1', 's1', 'd1', 2, now())`,
        [c, `D-2026-000${c.slice(1)}`],
      );
    }
    await db.pool.query(`INSERT INTO "Plan" ("id", "caseId", "objective", "updatedAt") VALUES ('pl1', 'c1', '', now())`);
    for (const [id, type] of [
      ["a1", "PSYEN_INTERVIEW"],
      ["a2", "REMOBILISATION_SAS"],
      ["a3", "PERSONAL_PROJECT"],
      ["a4", "INTERNSHIP"],
    ]) {
      await db.pool.query(`INSERT INTO "PlanAction" ("id", "planId", "type", "description", "updatedAt") VALUES ($1, 'pl1', $2, 'x', now())`, [id, type]);
    }
    await db.pool.query(`INSERT INTO "Outcome" ("caseId", "kind") VALUES ('c2', 'MOVED_AWAY')`);

    await applyMigrations(db.pool, migrations);

    const { rows: actions } = await db.pool.query<{ id: string; type: string; validation: string | null }>(
      `SELECT "id", "type", "validation" FROM "PlanAction" ORDER BY "id"`,
    );
    expect(actions.map((a) => [a.id, a.type])).toEqual([
      ["a1", "PSYEN_FOLLOW_UP"],
      ["a2", "REMOBILISATION"],
      ["a3", "PERSONAL_PROJECT"],
      ["a4", "INTERNSHIP"],
    ]);
    // Every code left is one a plan card can label.
    for (const a of actions) expect(isKnownPlanActionCode(a.type)).toBe(true);
    expect(isPlanActionCode("PERSONAL_PROJECT")).toBe(false);
    expect(actions.every((a) => a.validation === null)).toBe(true);
    const { rows: outcomes } = await db.pool.query<{ kind: string }>(`SELECT "kind"::text AS "kind" FROM "Outcome"`);
    expect(outcomes).toEqual([{ kind: "MOVED_AWAY" }]);
    // The new outcomes can be recorded.
    await db.pool.query(`UPDATE "Outcome" SET "kind" = 'CIVIC_SERVICE' WHERE "caseId" = 'c2'`);
    await db.pool.query(`INSERT INTO "Outcome" ("caseId", "kind") VALUES ('c1', 'LOST_CONTACT')`);
    // Every migration twice over, on an embedded database: slow on a busy machine.
  }, 120_000);
});

/** A database with no migration applied, and a pool on it. */
async function openBare(kind: (typeof DATABASE_KINDS)[number]): Promise<{ pool: pg.Pool; drop(): Promise<void> }> {
  if (kind === "embedded") {
    const embedded = await startEmbeddedDatabase("memory://");
    const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
    return {
      pool,
      async drop() {
        await pool.end();
        await embedded.stop();
      },
    };
  }
  const schema = uniqueSchemaName();
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 1 });
  await pool.query(`CREATE SCHEMA "${schema}"`);
  return {
    pool,
    async drop() {
      await pool.end();
      await dropSchema(schema);
    },
  };
}
