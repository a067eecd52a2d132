import type { Prisma } from "../generated/prisma/client.js";
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
};

export type PlanRecord = { id: string; caseId: string; objective: string; nextReviewAt: Date | null; actions: PlanActionRecord[] };

export type PlanActionFields = { type: string; description: string; startDate: Date | null; endDate: Date | null; partner: string | null; company: string | null };

/** What a plan change does to the plan's rows, inside the case's transaction. */
export type PlanOp =
  | { kind: "open"; objective: string; nextReviewAt: Date | null; createdById: string }
  | { kind: "addAction"; fields: PlanActionFields }
  | { kind: "editAction"; actionId: string; fields: PlanActionFields }
  | { kind: "setActionStatus"; actionId: string; status: PlanActionStatusValue }
  | { kind: "setReview"; objective: string; nextReviewAt: Date | null }
  | { kind: "close"; outcome: string; comment: string | null; decidedById: string };

export class UnknownPlanActionError extends Error {}

export async function applyPlanOp(tx: Prisma.TransactionClient, caseId: string, op: PlanOp): Promise<void> {
  switch (op.kind) {
    case "open":
      await tx.plan.upsert({
        where: { caseId },
        create: { caseId, objective: op.objective, nextReviewAt: op.nextReviewAt, createdById: op.createdById },
        update: {},
      });
      return;
    case "addAction": {
      const plan = await tx.plan.findUniqueOrThrow({ where: { caseId }, select: { id: true } });
      await tx.planAction.create({ data: { planId: plan.id, ...op.fields } });
      return;
    }
    case "editAction":
    case "setActionStatus": {
      // The action must belong to this case's plan: an id from another case's card changes nothing.
      const data = op.kind === "editAction" ? op.fields : { status: op.status };
      const updated = await tx.planAction.updateMany({ where: { id: op.actionId, plan: { caseId } }, data });
      if (updated.count !== 1) throw new UnknownPlanActionError(op.actionId);
      return;
    }
    case "setReview":
      await tx.plan.update({ where: { caseId }, data: { objective: op.objective, nextReviewAt: op.nextReviewAt } });
      return;
    case "close":
      await tx.outcome.upsert({
        where: { caseId },
        create: { caseId, kind: op.outcome as never, comment: op.comment, decidedById: op.decidedById },
        update: { kind: op.outcome as never, comment: op.comment, decidedById: op.decidedById, decidedAt: new Date() },
      });
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
      .select(["id", "type", "description", "startDate", "endDate", "partner", "company", "status"])
      .where("planId", "=", plan.id)
      .orderBy("createdAt")
      .orderBy("id")
      .execute();
    return { ...plan, actions };
  }

  async events(caseId: string, limit: number): Promise<{ type: string; at: Date; actorName: string | null; data: Record<string, unknown> }[]> {
    const events = await this.db
      .selectFrom("CaseEvent as e")
      .leftJoin("Member as m", "m.id", "e.actorId")
      .select(["e.type", "e.at", "m.displayName as actorName", "e.data"])
      .where("e.caseId", "=", caseId)
      .orderBy("e.id", "desc")
      .limit(limit)
      .execute();
    return events.map((e) => ({ ...e, data: eventData(e.data) }));
  }
}

/** An event's data is a JSON object (written by case-events.ts). */
function eventData(data: unknown): Record<string, unknown> {
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}
