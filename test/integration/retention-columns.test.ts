import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLUMN_FATES } from "../../src/store/retention-columns.js";
import { openTestDatabase } from "../helpers/database.js";

// Anonymisation applies what retention-columns.ts declares: a text or JSON column that it does not
// name would be kept silently, with whatever a person typed into it.
describe("what anonymisation does to each column", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
  });
  afterAll(async () => db?.drop());

  it("is declared for every text, text array and JSON column of the database, and names only real columns", async () => {
    const { rows } = await sql<{ table: string; column: string; text: boolean }>`
      SELECT table_name AS "table", column_name AS "column",
             (data_type IN ('text', 'character varying', 'json', 'jsonb') OR (data_type = 'ARRAY' AND udt_name IN ('_text', '_varchar'))) AS "text"
        FROM information_schema.columns
       WHERE table_schema = ${db.schema} AND table_name <> '_prisma_migrations'`.execute(db.kysely);
    const textColumns = rows.filter((r) => r.text).map((r) => `${r.table}.${r.column}`);
    const allColumns = new Set(rows.map((r) => `${r.table}.${r.column}`));
    const declared = new Set(Object.entries(COLUMN_FATES).flatMap(([table, columns]) => Object.keys(columns).map((column) => `${table}.${column}`)));
    expect(textColumns.length).toBeGreaterThan(50);
    expect(textColumns.filter((c) => !declared.has(c))).toEqual([]);
    expect([...declared].filter((c) => !allColumns.has(c))).toEqual([]);
  });

  it("erases the texts people type about a pupil, and keeps what statistics need", () => {
    const erased = Object.entries(COLUMN_FATES).flatMap(([table, columns]) =>
      Object.entries(columns)
        .filter(([, fate]) => "erase" in fate || "eraseKeys" in fate)
        .map(([column]) => `${table}.${column}`),
    );
    expect(erased.sort()).toEqual(
      [
        // The note of a call of the MLDS campaign; the phone and e-mail of a campaign list.
        "CallAttempt.note",
        "PupilContact.email",
        "PupilContact.phone",
        "CaseEvent.data",
        "CaseFamily.metBy",
        "CaseTransfer.reason",
        "Outcome.comment",
        "Plan.objective",
        "PlanAction.company",
        "PlanAction.description",
        "Pupil.firstName",
        "Pupil.ine",
        "Pupil.lastName",
        "Pupil.nameKey",
        "Report.observations",
        "ReportSignal.note",
      ].sort(),
    );
  });
});
