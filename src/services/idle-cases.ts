import { randomUUID } from "node:crypto";
import { DEFAULT_IDLE_CASE_MONTHS, KEPT_OPEN_EVENT, MLDS_MAX_AGE, closureReason, idleSince, noticeGivenBefore } from "../domain/idle-cases.js";
import { parisCalendarDate } from "../domain/school-year.js";
import { startOfParisDay } from "../domain/retention.js";
import { VersionConflictError, type CaseRecord, type OutgoingMessage, type Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { TriageService } from "./triage.js";

export const IDLE_CASES_JOB = "idle-cases";
const LEASE_MS = 30 * 60_000;
const BATCH = 200;

/** Who follows a case, as the daily job sees it: its assignee; with none, the MLDS coordinators of
 *  its bassin when it was referred to the MLDS, else its school's référents. */
type Followed = { assigneeId: string | null; escalatedToMlds: boolean; schoolId: string; districtId: string };

export type KeepOpenResult = { ok: true; case: CaseRecord } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "CLOSED" | "CONFLICT"; case?: CaseRecord };

/** Open cases end too (issue 26). Once a day (across instances: the database decides), open cases
 *  with no activity for `idleMonths` months, or of a young person past 25, are proposed for closure
 *  to who follows them (once: Case.closureProposedAt); those still unanswered after the notice
 *  (domain/idle-cases.ts) are closed « perdu de vue » by Repère, their follower told. */
export class IdleCaseService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly clock: () => Date,
    readonly idleMonths: number = DEFAULT_IDLE_CASE_MONTHS,
    private readonly owner: string = randomUUID(),
  ) {}

  /** The daily run: whichever instance claims the day runs it; the others do nothing. */
  async runDaily(): Promise<{ ran: boolean; proposed: number; closed: number }> {
    const now = this.clock();
    const claimed = await this.store.jobRuns.claim(IDLE_CASES_JOB, { now, notRunSince: startOfParisDay(now), leaseMs: LEASE_MS, owner: this.owner });
    if (!claimed) return { ran: false, proposed: 0, closed: 0 };
    try {
      const done = await this.runOnce();
      await this.store.jobRuns.finish(IDLE_CASES_JOB, this.owner, now);
      return { ran: true, ...done };
    } catch (err) {
      await this.store.jobRuns.release(IDLE_CASES_JOB, this.owner).catch(() => {});
      throw err;
    }
  }

  /** Closes the cases whose notice is over, then proposes the newly idle ones. Each case once,
   *  however often it runs. */
  async runOnce(): Promise<{ proposed: number; closed: number }> {
    const now = this.clock();
    // A case touched since its proposal (a report joined it, its plan moved on) is no longer idle.
    await this.store.idleCases.withdrawAnswered();
    const closed = await this.closeDue(now);
    const proposed = await this.proposeIdle(now);
    return { proposed, closed };
  }

  private async closeDue(now: Date): Promise<number> {
    const before = noticeGivenBefore(now);
    let closed = 0;
    for (;;) {
      const due = await this.store.idleCases.closuresDue(before, BATCH);
      const items = [];
      for (const d of due) {
        const c = await this.store.caseChanges.get({ id: d.caseId });
        if (!c) continue;
        const posts = await this.store.caseChanges.channelPosts(d.caseId);
        const sends: OutgoingMessage[] = [
          ...(await this.toFollowers(d, (memberId) => ({ view: "closedLostContact", caseId: d.caseId, memberId }), `closed-lost:${d.caseId}`)),
          ...posts.map((p): OutgoingMessage => ({ conversationId: p.conversationId, kind: "update", render: { view: "caseCard", caseId: d.caseId } })),
          ...(await this.triage.reporterNotices(c, "CLOSED")),
        ];
        items.push({ caseId: d.caseId, sends });
      }
      closed += (await this.store.idleCases.closeLostContact(items, before, now)).length;
      if (due.length < BATCH) return closed;
    }
  }

  private async proposeIdle(now: Date): Promise<number> {
    const idleBefore = idleSince(now, this.idleMonths);
    // Born in or before this year: possibly past 25 (the rule decides from the birth date).
    const bornInOrBefore = parisCalendarDate(now).year - MLDS_MAX_AGE - 1;
    let proposed = 0;
    let afterId: string | undefined;
    for (;;) {
      const candidates = await this.store.idleCases.candidates({ idleBefore, bornInOrBefore, limit: BATCH, afterId });
      const items = [];
      for (const c of candidates) {
        const reason = closureReason({ ...c, anonymized: false }, now, this.idleMonths);
        if (!reason) continue;
        const sends = await this.toFollowers(
          c,
          (memberId) => ({ view: "closureProposal", caseId: c.caseId, memberId, reason, months: this.idleMonths }),
          `closure-proposal:${c.caseId}:${now.toISOString()}`,
        );
        items.push({ caseId: c.caseId, reason, sends });
      }
      proposed += (await this.store.idleCases.propose(items, now)).length;
      if (candidates.length < BATCH) return proposed;
      afterId = candidates[candidates.length - 1]!.caseId;
    }
  }

  /** One message to the personal chat of each follower who has one. */
  private async toFollowers(c: Followed, render: (memberId: string) => OutgoingMessage["render"], dedupe: string): Promise<OutgoingMessage[]> {
    const assignee = c.assigneeId ? await this.store.members.byId(c.assigneeId) : null;
    const followers = assignee
      ? [assignee]
      : c.escalatedToMlds
        ? await this.store.members.coordinatorsOf(c.districtId)
        : await this.store.members.referentsOf(c.schoolId);
    const out: OutgoingMessage[] = [];
    for (const m of followers) {
      const chat = await this.store.conversations.personalChatOf(m.aadObjectId);
      if (chat) out.push({ conversationId: chat.conversationId, kind: "post", render: render(m.id), dedupeKey: `${dedupe}:${m.id}` });
    }
    return out;
  }

  /** « Garder ouvert »: by who may close the case; recorded in its history, which resets its idle
   *  clock (and, for a young person past 25, holds off a new proposal as long). */
  async keepOpen(actor: Actor, caseId: string): Promise<KeepOpenResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.triage.may(actor, "CLOSE_CASE", c)) return { ok: false, reason: "FORBIDDEN" };
    if (c.status === "CLOSED") return { ok: false, reason: "CLOSED", case: c };
    try {
      const updated = await this.store.caseChanges.apply(
        c.id,
        c.version,
        { closureProposedAt: null },
        { type: KEPT_OPEN_EVENT, actorId: actor.memberId, data: { proposedAt: c.closureProposedAt?.toISOString() ?? null }, at: this.clock() },
        [],
      );
      return { ok: true, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) return { ok: false, reason: "CONFLICT", case: c };
      throw err;
    }
  }
}
