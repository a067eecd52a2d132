import { sql } from "kysely";
import { OPEN_STATUSES } from "../domain/lifecycle.js";
import { KEPT_OPEN_EVENT, NOT_ACTIVITY_EVENTS } from "../domain/idle-cases.js";
import type { Db } from "./kysely.js";
import { caseEventsInsert } from "./case-events.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { queueSends, sendOf } from "./sends.js";

const OPEN = OPEN_STATUSES.map((status) => sql.lit(status));
const NOT_ACTIVITY = NOT_ACTIVITY_EVENTS.map((type) => sql.lit(type));

/** An open case the daily job looks at, with what the rules need (domain/idle-cases.ts) and what
 *  finding who follows it needs. */
export type IdleCandidate = {
  caseId: string;
  reference: string;
  schoolId: string;
  districtId: string;
  escalatedToMlds: boolean;
  assigneeId: string | null;
  /** The latest event that is somebody's work on the case (else its creation). */
  lastActivityAt: Date;
  keptOpenAt: Date | null;
  birthYear: number;
  birthDate: Date | null;
};

/** A case whose closure was proposed and whose notice is over. */
export type ClosureDue = Omit<IdleCandidate, "lastActivityAt" | "keptOpenAt" | "birthYear" | "birthDate"> & { proposedAt: Date };

/** Open cases end too (issue 26): the daily job proposes closing idle cases to who follows them,
 *  once (`closureProposedAt`), and closes « perdu de vue » those whose notice is over. Each write
 *  is conditional on the case's state, so that two instances, or two runs, do it once. */
export class IdleCaseRepository {
  constructor(private readonly db: Db) {}

  /** Open cases not yet proposed, still naming their pupil, with no activity since `idleBefore` or
   *  a pupil born in or before `bornInOrBefore` (the rules decide among them), by id after `afterId`. */
  async candidates(opts: { idleBefore: Date; bornInOrBefore: number; limit: number; afterId?: string }): Promise<IdleCandidate[]> {
    const activity = (caseId: ReturnType<typeof sql.ref>) =>
      sql<Date | null>`(SELECT max(e."at") FROM "CaseEvent" e WHERE e."caseId" = ${caseId} AND e."type" NOT IN (${sql.join(NOT_ACTIVITY)}))`;
    const rows = await this.db
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .select([
        "c.id as caseId",
        "c.reference",
        "c.schoolId",
        "c.districtId",
        "c.escalatedToMlds",
        "c.assigneeId",
        "c.createdAt",
        "p.birthYear",
        "p.birthDate",
        activity(sql.ref("c.id")).as("lastEventAt"),
        sql<Date | null>`(SELECT max(e."at") FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."type" = ${KEPT_OPEN_EVENT})`.as("keptOpenAt"),
      ])
      .where("c.status", "in", OPEN)
      .where("c.closureProposedAt", "is", null)
      .where("p.anonymizedAt", "is", null)
      .where((eb) =>
        eb.or([
          eb("p.birthYear", "<=", opts.bornInOrBefore),
          eb.and([
            eb("c.createdAt", "<", opts.idleBefore),
            eb.not(
              eb.exists(
                eb
                  .selectFrom("CaseEvent as e")
                  .select("e.id")
                  .whereRef("e.caseId", "=", "c.id")
                  .where("e.type", "not in", NOT_ACTIVITY)
                  .where("e.at", ">=", opts.idleBefore),
              ),
            ),
          ]),
        ]),
      )
      .$if(opts.afterId !== undefined, (qb) => qb.where("c.id", ">", opts.afterId!))
      .orderBy("c.id")
      .limit(opts.limit)
      .execute();
    return rows.map(({ createdAt, lastEventAt, ...r }) => ({ ...r, lastActivityAt: lastEventAt ?? createdAt }));
  }

  /** Records the proposals, each once: a case already proposed (another instance, another run)
   *  or closed meanwhile is left out, and so are its event and its sends. Returns the ids proposed. */
  async propose(items: readonly { caseId: string; reason: string; sends: OutgoingMessage[] }[], now: Date): Promise<string[]> {
    if (items.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const proposed = await trx
        .updateTable("Case")
        .set({ closureProposedAt: now })
        .where("id", "=", sql<string>`any(${items.map((i) => i.caseId)}::text[])`)
        .where("closureProposedAt", "is", null)
        .where("status", "in", OPEN)
        .returning("id")
        .execute();
      const ids = new Set(proposed.map((p) => p.id));
      const done = items.filter((i) => ids.has(i.caseId));
      if (done.length === 0) return [];
      await caseEventsInsert(
        trx,
        done.map((i) => ({ caseId: i.caseId, actorId: null, type: "CLOSURE_PROPOSED", data: { reason: i.reason }, at: now })),
      ).execute();
      await queueSends(
        trx,
        done.flatMap((i) => i.sends.map((m) => sendOf(m, i.caseId))),
      );
      return done.map((i) => i.caseId);
    });
  }

  /** Withdraws the proposals that somebody's work on the case answered (a report joined it, its
   *  plan moved on): the case is no longer idle; it may be proposed again later. */
  async withdrawAnswered(): Promise<number> {
    const done = await this.db
      .updateTable("Case as c")
      .set({ closureProposedAt: null })
      .where("c.closureProposedAt", "is not", null)
      .where("c.status", "in", OPEN)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("CaseEvent as e")
            .select("e.id")
            .whereRef("e.caseId", "=", "c.id")
            .where("e.type", "not in", NOT_ACTIVITY)
            .whereRef("e.at", ">", "c.closureProposedAt"),
        ),
      )
      .executeTakeFirst();
    return Number(done.numUpdatedRows);
  }

  /** Open cases whose closure was proposed at or before `proposedBefore` (the notice is over). */
  async closuresDue(proposedBefore: Date, limit: number): Promise<ClosureDue[]> {
    const rows = await this.db
      .selectFrom("Case as c")
      .select(["c.id as caseId", "c.reference", "c.schoolId", "c.districtId", "c.escalatedToMlds", "c.assigneeId", "c.closureProposedAt"])
      .where("c.status", "in", OPEN)
      .where("c.closureProposedAt", "<=", proposedBefore)
      .orderBy("c.closureProposedAt")
      .orderBy("c.id")
      .limit(limit)
      .execute();
    return rows.map(({ closureProposedAt, ...r }) => ({ ...r, proposedAt: closureProposedAt! }));
  }

  /** Closes the cases « perdu de vue » (lifecycle CLOSE_IDLE by the scheduler, outcome LOST_CONTACT
   *  decided by nobody), each only if it is still open and its proposal still stands (« Garder
   *  ouvert » clears it): the CLOSED event by Repère and the sends go with it. Returns the ids closed. */
  async closeLostContact(items: readonly { caseId: string; sends: OutgoingMessage[] }[], proposedBefore: Date, now: Date): Promise<string[]> {
    if (items.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const closed = await trx
        .updateTable("Case")
        .set((eb) => ({
          status: "CLOSED",
          closedAt: now,
          closureProposedAt: null,
          version: eb("version", "+", 1),
          updatedAt: sql<Date>`now()`,
        }))
        .where("id", "=", sql<string>`any(${items.map((i) => i.caseId)}::text[])`)
        .where("status", "in", OPEN)
        .where("closureProposedAt", "<=", proposedBefore)
        .returning("id")
        .execute();
      const ids = new Set(closed.map((c) => c.id));
      const done = items.filter((i) => ids.has(i.caseId));
      if (done.length === 0) return [];
      const caseIds = done.map((i) => i.caseId);
      await trx
        .insertInto("Outcome")
        .columns(["caseId", "kind", "comment", "decidedById", "decidedAt"])
        .expression(sql`SELECT id, 'LOST_CONTACT'::"OutcomeKind", NULL, NULL, ${now}::timestamptz FROM unnest(${caseIds}::text[]) AS id`)
        .onConflict((oc) =>
          oc
            .column("caseId")
            .doUpdateSet((eb) => ({ kind: eb.ref("excluded.kind"), comment: null, decidedById: null, decidedAt: eb.ref("excluded.decidedAt") })),
        )
        .execute();
      await caseEventsInsert(
        trx,
        done.map((i) => ({ caseId: i.caseId, actorId: null, type: "CLOSED", data: { outcome: "LOST_CONTACT", automatic: true }, at: now })),
      ).execute();
      await queueSends(
        trx,
        done.flatMap((i) => i.sends.map((m) => sendOf(m, i.caseId))),
      );
      return caseIds;
    });
  }
}
