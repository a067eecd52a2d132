import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { OutcomeKind } from "../domain/plan-catalogue.js";
import type { Db } from "./kysely.js";

export type PlanActionStatusValue = "PLANNED" | "IN_PROGRESS" | "DONE" | "ABANDONED";

export type PlanActionRecord = {
  id: string;
  type: string;
  description: string;
  startDate: Date | null;
  endDate: Date | null;
  partner: string | null;
  company: string | null;
  status: PlanActionStatusValue;
  /** PENDING, VALIDATED or REFUSED for an action that needs a validation (PAFI); null otherwise. */
  validation: string | null;
  validatedAt: Date | null;
};

export type PlanRecord = { id: string; caseId: string; objective: string; nextReviewAt: Date | null; actions: PlanActionRecord[] };

export type PlanActionFields = {
  type: string;
  description: string;
  startDate: Date | null;
  endDate: Date | null;
  partner: string | null;
  company: string | null;
  /** Set when the action is added and needs a validation ("PENDING"). */
  validation?: string | null;
};

/** What a plan change does to the plan's rows, inside the case's transaction. */
export type PlanOp =
  | { kind: "open"; objective: string; nextReviewAt: Date | null; createdById: string }
  | { kind: "addAction"; fields: PlanActionFields }
  | { kind: "editAction"; actionId: string; fields: PlanActionFields }
  | { kind: "setActionStatus"; actionId: string; status: PlanActionStatusValue }
  /** The validator's decision on a pending action (a PAFI by the IEN-IO). */
  | { kind: "validateAction"; actionId: string; validation: "VALIDATED" | "REFUSED"; validatedById: string }
  | { kind: "setReview"; objective: string; nextReviewAt: Date | null }
  | { kind: "close"; outcome: OutcomeKind; comment: string | null; decidedById: string }
  | { kind: "reopen" };

export class UnknownPlanActionError extends Error {}

/** The one place where a plan changes (inside the transaction that changes its case). */
export async function applyPlanOp(trx: Db, caseId: string, op: PlanOp): Promise<void> {
  switch (op.kind) {
    case "open":
      await trx
        .insertInto("Plan")
        .values({ id: randomUUID(), caseId, objective: op.objective, nextReviewAt: op.nextReviewAt, createdById: op.createdById, updatedAt: sql<Date>`now()` })
        .onConflict((oc) => oc.column("caseId").doNothing())
        .execute();
      return;
    case "addAction": {
      const plan = await trx.selectFrom("Plan").select("id").where("caseId", "=", caseId).executeTakeFirstOrThrow();
      await trx
        .insertInto("PlanAction")
        .values({ id: randomUUID(), planId: plan.id, ...op.fields, updatedAt: sql<Date>`now()` })
        .execute();
      return;
    }
    case "editAction":
    case "setActionStatus": {
      // The action must belong to this case's plan: an id from another case's card changes nothing.
      const set = op.kind === "editAction" ? op.fields : { status: op.status };
      const updated = await trx
        .updateTable("PlanAction")
        .set({ ...set, updatedAt: sql<Date>`now()` })
        .where("id", "=", op.actionId)
        .where("planId", "in", (eb) => eb.selectFrom("Plan").select("id").where("caseId", "=", caseId))
        .executeTakeFirst();
      if (updated.numUpdatedRows !== 1n) throw new UnknownPlanActionError(op.actionId);
      return;
    }
    case "validateAction": {
      // Only a pending validation is decided, once: a second click or a forged id changes nothing.
      const updated = await trx
        .updateTable("PlanAction")
        .set({ validation: op.validation, validatedById: op.validatedById, validatedAt: sql<Date>`now()`, updatedAt: sql<Date>`now()` })
        .where("id", "=", op.actionId)
        .where("validation", "=", "PENDING")
        .where("planId", "in", (eb) => eb.selectFrom("Plan").select("id").where("caseId", "=", caseId))
        .executeTakeFirst();
      if (updated.numUpdatedRows !== 1n) throw new UnknownPlanActionError(op.actionId);
      return;
    }
    case "setReview":
      await trx
        .updateTable("Plan")
        .set({ objective: op.objective, nextReviewAt: op.nextReviewAt, updatedAt: sql<Date>`now()` })
        .where("caseId", "=", caseId)
        .execute();
      return;
    case "close":
      await trx
        .insertInto("Outcome")
        .values({ caseId, kind: op.outcome, comment: op.comment, decidedById: op.decidedById })
        .onConflict((oc) =>
          oc.column("caseId").doUpdateSet({ kind: op.outcome, comment: op.comment, decidedById: op.decidedById, decidedAt: sql<Date>`now()` }),
        )
        .execute();
      return;
    case "reopen":
      await trx.deleteFrom("Outcome").where("caseId", "=", caseId).execute();
      return;
  }
}

export class PlanRepository {
  constructor(private readonly db: Db) {}

  async get(caseId: string): Promise<PlanRecord | null> {
    const plan = await this.db.selectFrom("Plan").select(["id", "caseId", "objective", "nextReviewAt"]).where("caseId", "=", caseId).executeTakeFirst();
    if (!plan) return null;
    const actions = await this.db
      .selectFrom("PlanAction")
      .select(["id", "type", "description", "startDate", "endDate", "partner", "company", "status", "validation", "validatedAt"])
      .where("planId", "=", plan.id)
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return { ...plan, actions };
  }

  /** The latest events of a case, newest first; `before`: only those earlier than that instant. */
  async events(caseId: string, limit: number, before?: Date): Promise<{ type: string; at: Date; actorName: string | null; data: Record<string, unknown> }[]> {
    let q = this.db
      .selectFrom("CaseEvent as e")
      .leftJoin("Member as m", "m.id", "e.actorId")
      .select(["e.type", "e.at", "m.displayName as actorName", "e.data"])
      .where("e.caseId", "=", caseId);
    if (before) q = q.where("e.at", "<", before);
    const events = await q.orderBy("e.id", "desc").limit(limit).execute();
    return events.map((e) => ({ ...e, data: eventData(e.data) }));
  }
}

/** An event's data is a JSON object (written by case-events.ts). */
function eventData(data: unknown): Record<string, unknown> {
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}
