import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "../../src/store/index.js";

/** The places of the sample académie (data/samples: annuaire-education.csv, bassins.csv), written
 *  straight into the database, for tests of the staff list that do not test the schools import. */
export const SAMPLE_BASSINS = [
  { code: "NORD", name: "Bassin Nord", departmentCode: "069" },
  { code: "SUD", name: "Bassin Sud", departmentCode: "069" },
] as const;

export const SAMPLE_SCHOOLS = [
  { uai: "0690001B", name: "Lycée Victor-Hugo", kind: "LYCEE_GT", city: "Villefranche", bassin: "NORD" },
  { uai: "0690002C", name: "Lycée professionnel Jean-Moulin", kind: "LYCEE_PRO", city: "Villefranche", bassin: "NORD" },
  { uai: "0690003D", name: "Collège Jules-Ferry", kind: "COLLEGE", city: "Belleville", bassin: "NORD" },
  { uai: "0690004E", name: "Lycée Simone-Veil", kind: "LYCEE_GT", city: "Vénissieux", bassin: "SUD" },
  { uai: "0690005F", name: "Lycée professionnel Louise-Michel", kind: "LYCEE_PRO", city: "Vénissieux", bassin: "SUD" },
  { uai: "0690006G", name: "Collège Jean-Jaurès", kind: "COLLEGE", city: "Givors", bassin: "SUD" },
  { uai: "0690007H", name: "Collège Louis-Pasteur", kind: "COLLEGE", city: "Vénissieux", bassin: "SUD" },
] as const;

export type PlaceIds = { districts: Map<string, string>; schools: Map<string, string> };

export async function seedPlaces(
  db: Database,
  places: {
    bassins?: readonly { code: string; name: string; departmentCode?: string | null }[];
    schools?: readonly { uai: string; name: string; kind?: string; city?: string; bassin: string; departmentCode?: string; state?: "OPEN" | "CLOSED" }[];
  } = {},
): Promise<PlaceIds> {
  const districts = new Map<string, string>();
  const schools = new Map<string, string>();
  for (const b of places.bassins ?? SAMPLE_BASSINS) {
    const row = await db.kysely
      .insertInto("District")
      .values({ id: randomUUID(), code: b.code, name: b.name, departmentCode: b.departmentCode ?? null })
      .onConflict((oc) => oc.column("code").doUpdateSet({ name: b.name, departmentCode: b.departmentCode ?? null }))
      .returning("id")
      .executeTakeFirstOrThrow();
    districts.set(b.code, row.id);
  }
  type SchoolSeed = NonNullable<typeof places.schools>[number];
  const list: readonly SchoolSeed[] = places.schools ?? SAMPLE_SCHOOLS;
  for (let i = 0; i < list.length; i += 1000) {
    const rows = await db.kysely
      .insertInto("School")
      .values(
        list.slice(i, i + 1000).map((s) => ({
          id: randomUUID(),
          uai: s.uai,
          name: s.name,
          kind: (s.kind ?? "COLLEGE") as "COLLEGE",
          city: s.city ?? null,
          departmentCode: s.departmentCode ?? "069",
          academyCode: "10",
          state: s.state ?? "OPEN",
          districtId: districts.get(s.bassin)!,
        })),
      )
      .onConflict((oc) => oc.column("uai").doUpdateSet({ name: sql`excluded."name"` }))
      .returning(["id", "uai"])
      .execute();
    for (const r of rows) schools.set(r.uai, r.id);
  }
  return { districts, schools };
}
