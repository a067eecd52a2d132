import { sql } from "kysely";
import type { Db } from "./kysely.js";

/** The académie's settings, one row per key (the family information notice's texts). */
export class AcademySettingRepository {
  constructor(private readonly db: Db) {}

  async all(): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom("AcademySetting").select(["key", "value"]).execute();
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async set(key: string, value: string, updatedById: string | null): Promise<void> {
    await this.db
      .insertInto("AcademySetting")
      .values({ key, value, updatedById })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value, updatedById, updatedAt: sql<Date>`now()` }))
      .execute();
  }
}
