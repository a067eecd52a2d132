import { randomUUID } from "node:crypto";
import { sql, type ExpressionBuilder } from "kysely";
import { SETTLING_CALL_OUTCOMES, type CallOutcome } from "../domain/call-campaign.js";
import { MLDS_MIN_AGE } from "../domain/routing.js";
import { caseEventsInsert } from "./case-events.js";
import type { DB, Db } from "./kysely.js";

/** The MLDS call campaign of imported lists: the young people still to call in a bassin, each call
 *  recorded (CallAttempt and a CALL_RECORDED event in one transaction), and the rows of the export
 *  back to the PSAD. The phone and e-mail (PupilContact) are read here and nowhere else: the
 *  services call these methods for the bassin's coordinators only (RECORD_CALL). */

export type CallListItem = {
  caseId: string;
  reference: string;
  firstName: string;
  lastName: string;
  schoolName: string;
  createdAt: Date;
  phone: string | null;
  email: string | null;
  attempts: number;
  lastCall: { outcome: string; on: string } | null;
};

export type CallList = { total: number; items: CallListItem[] };

export type PsadRow = {
  reference: string;
  ine: string | null;
  lastName: string;
  firstName: string;
  /** YYYY-MM-DD, or null when only the year is known. */
  birthDate: string | null;
  status: string;
  outcome: string | null;
  closedOn: string | null;
  updatedOn: string;
  lastCall: { outcome: string; on: string } | null;
};

const day = (column: string) => sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD')`;

/** The imported cases of a bassin that its coordinators see (under-16 cases that the school kept
 *  are not theirs), not anonymised. */
function importedCasesOf(eb: ExpressionBuilder<DB & { c: DB["Case"] }, "c">, districtId: string) {
  return eb.and([
    eb("c.districtId", "=", districtId),
    eb("c.source", "=", sql.lit("IMPORT")),
    eb("c.anonymizedAt", "is", null),
    eb.or([eb("c.escalatedToMlds", "=", true), eb("c.ageAtReport", "is", null), eb("c.ageAtReport", ">=", sql.lit(MLDS_MIN_AGE))]),
  ]);
}

/** For a query over cases aliased `c`: the latest call of each (`last.outcome`, `last.on` as
 *  YYYY-MM-DD), as a lateral join. `.leftJoinLateral(lastCall, (join) => join.onTrue())`. */
function lastCall(eb: ExpressionBuilder<DB & { c: DB["Case"] }, "c">) {
  return eb
    .selectFrom("CallAttempt as a")
    .select(["a.outcome", sql<string>`to_char(a."calledAt", 'YYYY-MM-DD')`.as("on")])
    .whereRef("a.caseId", "=", "c.id")
    .orderBy("a.calledAt", "desc")
    .orderBy("a.createdAt", "desc")
    .limit(1)
    .as("last");
}

export class CallRepository {
  constructor(private readonly db: Db) {}

  /** The young people of a bassin's imported lists still to call: open cases whose last call (if
   *  any) left them unreached; the oldest case first. */
  async toCall(districtId: string, page: { offset: number; limit: number }): Promise<CallList> {
    const base = this.db
      .selectFrom("Case as c")
      .leftJoinLateral(lastCall, (join) => join.onTrue())
      .where((eb) => importedCasesOf(eb, districtId))
      .where("c.status", "<>", sql.lit("CLOSED"))
      .where((eb) => eb.or([eb("last.outcome", "is", null), eb("last.outcome", "not in", [...SETTLING_CALL_OUTCOMES])]));
    const [{ total }, rows] = await Promise.all([
      base.select(sql<number>`count(*)::int`.as("total")).executeTakeFirstOrThrow(),
      base
        .innerJoin("Pupil as p", "p.id", "c.pupilId")
        .innerJoin("School as s", "s.id", "c.schoolId")
        .leftJoin("PupilContact as pc", "pc.pupilId", "p.id")
        .select([
          "c.id as caseId",
          "c.reference",
          "p.firstName",
          "p.lastName",
          "s.name as schoolName",
          "c.createdAt",
          "pc.phone",
          "pc.email",
          "last.outcome as lastOutcome",
          "last.on as lastOn",
        ])
        .select((eb) =>
          eb
            .selectFrom("CallAttempt as n")
            .select(sql<number>`count(*)::int`.as("n"))
            .whereRef("n.caseId", "=", "c.id")
            .as("attempts"),
        )
        .orderBy("c.createdAt")
        .orderBy("c.reference")
        .offset(page.offset)
        .limit(page.limit)
        .execute(),
    ]);
    return {
      total,
      items: rows.map((r) => ({
        caseId: r.caseId,
        reference: r.reference,
        firstName: r.firstName,
        lastName: r.lastName,
        schoolName: r.schoolName,
        createdAt: r.createdAt,
        phone: r.phone,
        email: r.email,
        attempts: r.attempts ?? 0,
        lastCall: r.lastOutcome && r.lastOn ? { outcome: r.lastOutcome, on: r.lastOn } : null,
      })),
    };
  }

  /** The phone and e-mail of a case's young person (for a coordinator's call form). */
  async contactOf(caseId: string): Promise<{ phone: string | null; email: string | null } | null> {
    return (
      (await this.db
        .selectFrom("Case as c")
        .innerJoin("PupilContact as pc", "pc.pupilId", "c.pupilId")
        .select(["pc.phone", "pc.email"])
        .where("c.id", "=", caseId)
        .executeTakeFirst()) ?? null
    );
  }

  /** A call and its event, in one transaction. */
  async record(p: { caseId: string; byId: string; outcome: CallOutcome; calledAt: string; note: string | null; now: Date }): Promise<{ attempts: number }> {
    return this.db.transaction().execute(async (trx) => {
      const id = randomUUID();
      await trx
        .insertInto("CallAttempt")
        .values({ id, caseId: p.caseId, byId: p.byId, outcome: p.outcome, calledAt: sql<Date>`${p.calledAt}::date`, note: p.note, createdAt: p.now })
        .execute();
      const { n } = await trx
        .selectFrom("CallAttempt")
        .select(sql<number>`count(*)::int`.as("n"))
        .where("caseId", "=", p.caseId)
        .executeTakeFirstOrThrow();
      // The note stays in CallAttempt (erased at retention); the history says who called and what came of it.
      await caseEventsInsert(trx, [
        { caseId: p.caseId, actorId: p.byId, type: "CALL_RECORDED", at: p.now, data: { callId: id, outcome: p.outcome, calledAt: p.calledAt, attempt: n } },
      ]).execute();
      return { attempts: n };
    });
  }

  /** Every imported case of a bassin (open or closed, not anonymised), with what its situation for
   *  the PSAD is read from; in reference order. */
  async psadRows(districtId: string): Promise<PsadRow[]> {
    const rows = await this.db
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .leftJoin("Outcome as o", "o.caseId", "c.id")
      .leftJoinLateral(lastCall, (join) => join.onTrue())
      .select([
        "c.reference",
        "p.ine",
        "p.lastName",
        "p.firstName",
        sql<string | null>`to_char(p."birthDate", 'YYYY-MM-DD')`.as("birthDate"),
        "c.status",
        "o.kind as outcome",
        sql<string | null>`CASE WHEN c."closedAt" IS NULL THEN NULL ELSE ${day("c.closedAt")} END`.as("closedOn"),
        day("c.updatedAt").as("updatedOn"),
        "last.outcome as lastOutcome",
        "last.on as lastOn",
      ])
      .where((eb) => importedCasesOf(eb, districtId))
      .orderBy("c.reference")
      .execute();
    return rows.map((r) => ({
      reference: r.reference,
      ine: r.ine,
      lastName: r.lastName,
      firstName: r.firstName,
      birthDate: r.birthDate,
      status: r.status,
      outcome: r.outcome,
      closedOn: r.closedOn,
      updatedOn: r.updatedOn,
      lastCall: r.lastOutcome && r.lastOn ? { outcome: r.lastOutcome, on: r.lastOn } : null,
    }));
  }
}
