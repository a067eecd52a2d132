import { sql } from "kysely";
import type { Db } from "./kysely.js";

/** A closed school (the directory says so) keeps its cases and refuses new reports. */
export type SchoolSummary = {
  id: string;
  uai: string;
  name: string;
  city: string | null;
  districtId: string;
  state: "OPEN" | "OPENING" | "CLOSING" | "CLOSED";
};

export class SchoolRepository {
  // Read at every step of a report dialog (where may this person report?).
  constructor(private readonly db: Db) {}

  async byIds(ids: string[]): Promise<SchoolSummary[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom("School")
      .select(["id", "uai", "name", "city", "districtId", "state"])
      .where("id", "=", sql<string>`any(${ids}::text[])`)
      .orderBy("name")
      .orderBy("id")
      .execute();
  }

  async inDistrict(districtId: string): Promise<SchoolSummary[]> {
    return this.db
      .selectFrom("School")
      .select(["id", "uai", "name", "city", "districtId", "state"])
      .where("districtId", "=", districtId)
      .orderBy("name")
      .orderBy("id")
      .execute();
  }
}
