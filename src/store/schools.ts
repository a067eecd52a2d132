import type { HotSql } from "./hot-sql.js";

export type SchoolSummary = { id: string; uai: string; name: string; city: string | null; districtId: string };

const COLUMNS = `"id", "uai", "name", "city", "districtId"`;

export class SchoolRepository {
  // Read at every step of a report dialog (where may this person report?): on the pool (hot-sql.ts).
  constructor(private readonly sql: HotSql) {}

  async byIds(ids: string[]): Promise<SchoolSummary[]> {
    if (ids.length === 0) return [];
    return this.sql.rows<SchoolSummary>("schools_by_ids", `SELECT ${COLUMNS} FROM "School" WHERE "id" = ANY($1::text[]) ORDER BY "name", "id"`, [ids]);
  }

  async inDistrict(districtId: string): Promise<SchoolSummary[]> {
    return this.sql.rows<SchoolSummary>("schools_in_district", `SELECT ${COLUMNS} FROM "School" WHERE "districtId" = $1 ORDER BY "name", "id"`, [districtId]);
  }
}
