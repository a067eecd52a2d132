import { sql } from "kysely";
import { caseEventsInsert } from "./case-events.js";
import type { Db } from "./kysely.js";

/** « Même élève ? » (issue 26): the answers recorded for pairs of pupil rows that may be one young
 *  person (store/case-queries.ts possiblySameYoungPerson asks; sameYoungPerson follows the « oui »).
 *  One row per pair, the pair ordered (pupilId < otherPupilId); the first answer stands. */

export const SAME_PERSON_EVENTS = { same: "SAME_PERSON_CONFIRMED", different: "SAME_PERSON_DENIED" } as const;

export type PupilLinkOutcome =
  | { ok: true; recorded: boolean }
  /** The two cases are not (or no longer) an uncertain pair: one pupil anonymised, a birth date or
   *  INE completed since, the same pupil, or names that differ. */
  | { ok: false; reason: "NOT_A_QUESTION" };

export class PupilLinkRepository {
  constructor(private readonly db: Db) {}

  /** Records the answer for the pupils of two cases, with an event on each case (the other case's
   *  id only, never shown: the history shows the event only to who may see that case too
   *  (PlanService), others may not know the other school), in one transaction. `recorded` false: someone had already answered for the pair (their answer stays). */
  async decide(p: { caseId: string; otherCaseId: string; same: boolean; actorId: string; now: Date }): Promise<PupilLinkOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const pupils = await trx
        .selectFrom("Case as c")
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .select(["c.id as caseId", "p.id", "p.nameKey", "p.birthYear", "p.birthDate", "p.ine", "p.anonymizedAt"])
        .where("c.id", "in", [p.caseId, p.otherCaseId])
        .where("c.anonymizedAt", "is", null)
        .execute();
      const me = pupils.find((x) => x.caseId === p.caseId);
      const other = pupils.find((x) => x.caseId === p.otherCaseId);
      if (!me || !other || !uncertainPair(me, other)) return { ok: false, reason: "NOT_A_QUESTION" };
      const [first, second] = me.id < other.id ? [me.id, other.id] : [other.id, me.id];
      // Either order is looked for: a pair recorded by an older rule of order still counts.
      const known = await trx
        .selectFrom("PupilLink")
        .select("same")
        .where((eb) =>
          eb.or([eb.and([eb("pupilId", "=", first), eb("otherPupilId", "=", second)]), eb.and([eb("pupilId", "=", second), eb("otherPupilId", "=", first)])]),
        )
        .executeTakeFirst();
      if (known) return { ok: true, recorded: false };
      const inserted = await trx
        .insertInto("PupilLink")
        .values({ pupilId: first, otherPupilId: second, same: p.same, decidedById: p.actorId, decidedAt: p.now })
        .onConflict((oc) => oc.columns(["pupilId", "otherPupilId"]).doNothing())
        .returning("pupilId")
        .executeTakeFirst();
      if (!inserted) return { ok: true, recorded: false };
      const type = p.same ? SAME_PERSON_EVENTS.same : SAME_PERSON_EVENTS.different;
      await caseEventsInsert(trx, [
        { caseId: p.caseId, actorId: p.actorId, type, at: p.now, data: { same: p.same, otherCaseId: p.otherCaseId } },
        { caseId: p.otherCaseId, actorId: p.actorId, type, at: p.now, data: { same: p.same, otherCaseId: p.caseId } },
      ]).execute();
      return { ok: true, recorded: true };
    });
  }

  /** The answers recorded for a pupil (both sides of each pair), for tests and exports. */
  async of(pupilId: string): Promise<{ pupilId: string; otherPupilId: string; same: boolean }[]> {
    return this.db
      .selectFrom("PupilLink")
      .select(["pupilId", "otherPupilId", "same"])
      .where((eb) => eb.or([eb("pupilId", "=", pupilId), eb("otherPupilId", "=", pupilId)]))
      .orderBy(sql`"decidedAt"`)
      .execute();
  }
}

type PupilFacts = { id: string; nameKey: string; birthYear: number; birthDate: Date | null; ine: string | null; anonymizedAt: Date | null };

/** The rule of possiblySameYoungPerson, checked again on the two rows at the time of the answer. */
function uncertainPair(a: PupilFacts, b: PupilFacts): boolean {
  return (
    a.id !== b.id &&
    a.anonymizedAt === null &&
    b.anonymizedAt === null &&
    a.nameKey === b.nameKey &&
    a.birthYear === b.birthYear &&
    (a.birthDate === null || b.birthDate === null) &&
    (a.ine === null || b.ine === null)
  );
}
