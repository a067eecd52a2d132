import { randomUUID } from "node:crypto";
import type { Role } from "../domain/roles.js";
import type { Db } from "./kysely.js";
import { writeMemberEvents } from "./member-events.js";

/** The demo académie for the Agents Playground and the tests. It is loaded by the directory imports
 *  from the committed sample files (data/samples: services/demo-academie.ts); these constants name
 *  what the tests and the Playground rely on, and test/unit/directory-samples.test.ts keeps them in
 *  step with the files. Ids of people match the committed Playground configurations
 *  (.m365agentsplayground.yml and playground/coordinator.yml): test/integration/demo-seed.test.ts
 *  keeps them in step. Names are fictitious. */

export const DEMO_TENANT_ID = "5e7c1a2b-0000-4000-8000-00000000a11e";

export const DEMO_DISTRICTS = [
  { code: "NORD", name: "Bassin Nord" },
  { code: "SUD", name: "Bassin Sud" },
] as const;

export const DEMO_SCHOOLS = [
  { uai: "0690001B", name: "Lycée Victor-Hugo", kind: "LYCEE_GT", city: "Villefranche", district: "NORD" },
  { uai: "0690002C", name: "Lycée professionnel Jean-Moulin", kind: "LYCEE_PRO", city: "Villefranche", district: "NORD" },
  { uai: "0690003D", name: "Collège Jules-Ferry", kind: "COLLEGE", city: "Belleville", district: "NORD" },
  { uai: "0690004E", name: "Lycée Simone-Veil", kind: "LYCEE_GT", city: "Vénissieux", district: "SUD" },
  { uai: "0690005F", name: "Lycée professionnel Louise-Michel", kind: "LYCEE_PRO", city: "Vénissieux", district: "SUD" },
  { uai: "0690006G", name: "Collège Jean-Jaurès", kind: "COLLEGE", city: "Givors", district: "SUD" },
] as const;

export type DemoPerson = {
  aadObjectId: string;
  displayName: string;
  email: string;
  role: Role;
  schools?: string[];
  district?: string;
};

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    aadObjectId: "00000000-0000-4000-8000-000000000101",
    displayName: "Claire Martin",
    email: "claire.martin@demo.repere.fr",
    role: "STAFF",
    schools: ["0690001B"],
  },
  {
    aadObjectId: "00000000-0000-4000-8000-000000000102",
    displayName: "Karim Benali",
    email: "karim.benali@demo.repere.fr",
    role: "REFERENT",
    schools: ["0690001B"],
  },
  {
    aadObjectId: "00000000-0000-4000-8000-000000000103",
    displayName: "Sophie Laurent",
    email: "sophie.laurent@demo.repere.fr",
    role: "COORDINATOR",
    district: "NORD",
  },
  { aadObjectId: "00000000-0000-4000-8000-000000000104", displayName: "Marc Petit", email: "marc.petit@demo.repere.fr", role: "COORDINATOR", district: "SUD" },
  { aadObjectId: "00000000-0000-4000-8000-000000000105", displayName: "Nathalie Roux", email: "nathalie.roux@demo.repere.fr", role: "ADMIN" },
  {
    aadObjectId: "00000000-0000-4000-8000-000000000106",
    displayName: "Thomas Girard",
    email: "thomas.girard@demo.repere.fr",
    role: "STAFF",
    schools: ["0690002C", "0690003D"],
  },
  {
    aadObjectId: "00000000-0000-4000-8000-000000000107",
    displayName: "Inès Moreau",
    email: "ines.moreau@demo.repere.fr",
    role: "REFERENT",
    schools: ["0690002C"],
  },
];

/** The coordinators' team of Bassin Nord in the Playground (team id and its General channel). */
export const DEMO_CHANNELS = [
  { district: "NORD", teamId: "19:demo-team-nord@thread.tacv2", channelId: "19:demo-team-nord@thread.tacv2", name: "MLDS Bassin Nord - Général" },
] as const;

export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const districts = await db.selectFrom("District").select("id").limit(1).execute();
  const members = await db.selectFrom("Member").select("id").limit(1).execute();
  return districts.length === 0 && members.length === 0;
}

/** Binds the Playground's people, already loaded from the demo staff list, to the Teams identities
 *  of the committed Playground configurations, as their first message would. Idempotent. */
export async function bindDemoIdentities(db: Db, tenantId: string, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let bound = 0;
    for (const p of DEMO_PEOPLE) {
      const row = await trx
        .updateTable("Member")
        .set({ tenantId, aadObjectId: p.aadObjectId, boundAt: now, updatedAt: now })
        .where("email", "=", p.email)
        .where((eb) => eb.or([eb("aadObjectId", "is", null), eb("tenantId", "is distinct from", tenantId)]))
        .returning("id")
        .executeTakeFirst();
      if (!row) continue;
      await writeMemberEvents(trx, [{ memberId: row.id, actorId: null, kind: "BOUND", detail: { via: "DEMO_SEED", tenantId } }], now);
      bound++;
    }
    return bound;
  });
}

/** The bassins' coordinator channels of the Playground. Idempotent. */
export async function upsertDemoChannels(db: Db): Promise<void> {
  for (const c of DEMO_CHANNELS) {
    const district = await db.selectFrom("District").select("id").where("code", "=", c.district).executeTakeFirst();
    if (!district) continue;
    const data = { districtId: district.id, teamId: c.teamId, channelId: c.channelId, name: c.name };
    await db
      .insertInto("RoutingChannel")
      .values({ id: randomUUID(), ...data })
      .onConflict((oc) => oc.column("districtId").doUpdateSet(data))
      .execute();
  }
}
