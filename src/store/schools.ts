import { sql } from "kysely";
import type { Db } from "./kysely.js";

export type SchoolSummary = { id: string; uai: string; name: string; city: string | null; districtId: string };

export class SchoolRepository {
  // Read at every step of a report dialog (where may this person report?).
  constructor(private readonly db: Db) {}

  async byIds(ids: string[]): Promise<SchoolSummary[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom("School").select(["id", "uai", "name", "city", "districtId"]).where("id", "=", sql<string>`any(${ids}::text[])`).orderBy("name").orderBy("id").execute();
  }

  async inDistrict(districtId: string): Promise<SchoolSummary[]> {
    return this.db.selectFrom("School").select(["id", "uai", "name", "city", "districtId"]).where("districtId", "=", districtId).orderBy("name").orderBy("id").execute();
  }
}
