import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";

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
  constructor(private readonly prisma: PrismaClient) {}

  async get(caseId: string): Promise<PlanRecord | null> {
    const plan = await this.prisma.plan.findUnique({ where: { caseId }, include: { actions: { orderBy: { createdAt: "asc" } } } });
    if (!plan) return null;
    return {
      id: plan.id,
      caseId: plan.caseId,
      objective: plan.objective,
      nextReviewAt: plan.nextReviewAt,
      actions: plan.actions.map((a) => ({ id: a.id, type: a.type, description: a.description, startDate: a.startDate, endDate: a.endDate, partner: a.partner, company: a.company, status: a.status })),
    };
  }

  async events(caseId: string, limit: number): Promise<{ type: string; at: Date; actorName: string | null; data: Record<string, unknown> }[]> {
    const events = await this.prisma.caseEvent.findMany({ where: { caseId }, orderBy: { id: "desc" }, take: limit });
    const actorIds = [...new Set(events.map((e) => e.actorId).filter((x): x is string => x !== null))];
    const actors = new Map((await this.prisma.member.findMany({ where: { id: { in: actorIds } }, select: { id: true, displayName: true } })).map((m) => [m.id, m.displayName]));
    return events.map((e) => ({ type: e.type, at: e.at, actorName: e.actorId ? (actors.get(e.actorId) ?? null) : null, data: e.data as Record<string, unknown> }));
  }
}
