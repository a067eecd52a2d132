import { applyTransition, type CaseAction } from "../domain/lifecycle.js";
import { can, mldsMayAct, staysWithSchool, type CaseScope, type Operation } from "../domain/permissions.js";
import { ageOn, concernsMlds, mayReferToMlds } from "../domain/routing.js";
import { parseBirthDate, REPORT_LIMITS } from "../domain/report-draft.js";
import { cleanText } from "../domain/safe-text.js";
import {
  VersionConflictError,
  type CaseChange,
  type CaseRecord,
  type InfoExchange,
  type MemberSummary,
  type OutgoingMessage,
  type Store,
} from "../store/index.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";
import { DEFAULT_REVIEW_DAYS } from "./plans.js";
import { caseScopeOf } from "./case-scope.js";
import { mayFollow } from "./followers.js";
import { addDays, atParis, defaultReviewDate, parisDay, schoolCalendar, type SchoolCalendar } from "../domain/school-days.js";
import type { PlanOp } from "../store/index.js";

export type TriageCommand =
  | { verb: "takeCharge" }
  | { verb: "assign"; assigneeId: string }
  | { verb: "requestInfo"; question: string }
  | { verb: "dismiss"; reason: string }
  | { verb: "reopen"; reason: string }
  | { verb: "escalate" }
  | { verb: "openPlan" };

export type TriageFailure = "NOT_FOUND" | "FORBIDDEN" | "CONFLICT" | "INVALID_TRANSITION" | "INVALID_INPUT";
/** `assignees`: the people the case may be assigned to, when the action had to read them (the
 *  card shows them next, and they do not change with the action). */
export type TriageResult =
  { ok: true; case: CaseRecord; assignees?: MemberSummary[] } | { ok: false; reason: TriageFailure; case?: CaseRecord; field?: string };
/** The details of a case, with the questions asked to its reporters and their answers. */
export type DetailsResult = { ok: true; case: CaseRecord; exchanges: InfoExchange[] } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" };

/** Something shown in the caller's personal chat rather than where they asked (a channel). */
export type PrivateSendResult = { ok: true; case: CaseRecord } | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "NO_PERSONAL_CHAT"; case?: CaseRecord };

export const TEXT_MAX = 500;

const ACTION_OF: Record<TriageCommand["verb"], CaseAction> = {
  takeCharge: "TAKE_CHARGE",
  assign: "ASSIGN",
  requestInfo: "REQUEST_INFO",
  dismiss: "DISMISS",
  reopen: "REOPEN",
  escalate: "ESCALATE",
  openPlan: "OPEN_PLAN",
};

const EVENT_OF: Record<TriageCommand["verb"], string> = {
  takeCharge: "TAKEN_IN_CHARGE",
  assign: "ASSIGNED",
  requestInfo: "INFO_REQUESTED",
  dismiss: "DISMISSED",
  reopen: "REOPENED",
  escalate: "ESCALATED",
  openPlan: "PLAN_OPENED",
};

/** Triage of a case from its card. Every call: who the caller is comes from Teams, what they may
 *  do from the permission table, what the case may become from the lifecycle; the card's data only
 *  names the case and the version the caller saw. */
export class TriageService {
  constructor(
    private readonly store: Store,
    private readonly routing: RoutingService,
    private readonly clock: () => Date,
    private readonly calendar: SchoolCalendar = schoolCalendar(),
  ) {}

  scopeOf(c: CaseRecord): CaseScope {
    return caseScopeOf(c);
  }

  may(actor: Actor, op: Operation, c: CaseRecord): boolean {
    return can(
      { memberId: actor.memberId, role: actor.role, schoolIds: actor.schoolIds, districtId: actor.districtId, departmentCode: actor.departmentCode ?? null },
      op,
      this.scopeOf(c),
    );
  }

  /** The case as its card shows it; for the Teams layer rendering a queued card (no caller). */
  systemView(caseId: string): Promise<CaseRecord | null> {
    return this.store.caseChanges.get({ id: caseId });
  }

  async view(actor: Actor, caseId: string): Promise<TriageResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.may(actor, "VIEW_STATUS", c)) return { ok: false, reason: "FORBIDDEN" };
    return { ok: true, case: c };
  }

  /** Full details (names, notes) for authorised people only; every consultation is audited. */
  async details(actor: Actor, caseId: string): Promise<DetailsResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.may(actor, "VIEW_DETAILS", c)) return { ok: false, reason: "FORBIDDEN" };
    await this.store.caseChanges.record(c.id, { type: "DETAILS_VIEWED", actorId: actor.memberId });
    return { ok: true, case: c, exchanges: await this.store.caseChanges.infoExchanges(c.id) };
  }

  /** Details asked for from a channel or a group chat: they are sent to the caller's personal chat
   *  with the bot, never shown in the post (everyone in the channel, or watching a screen, sees
   *  it). The consultation is audited when the send is queued. */
  async sendDetails(actor: Actor, caseId: string): Promise<PrivateSendResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.may(actor, "VIEW_DETAILS", c)) return { ok: false, reason: "FORBIDDEN", case: c };
    const chat = await this.personalChatOf(actor);
    if (!chat) return { ok: false, reason: "NO_PERSONAL_CHAT", case: c };
    await this.store.caseChanges.record(c.id, { type: "DETAILS_VIEWED", actorId: actor.memberId }, [
      { conversationId: chat, kind: "post", render: { view: "caseDetails", caseId: c.id, memberId: actor.memberId } },
    ]);
    return { ok: true, case: c };
  }

  /** The details a queued send shows, if the member it goes to may still see them. */
  async detailsFor(actor: Actor, caseId: string): Promise<{ case: CaseRecord; exchanges: InfoExchange[] } | null> {
    const c = await this.store.caseChanges.get({ id: caseId });
    return c && this.may(actor, "VIEW_DETAILS", c) ? { case: c, exchanges: await this.store.caseChanges.infoExchanges(c.id) } : null;
  }

  /** The member's personal chat with the bot (its conversation id), if they have one. */
  async personalChatOf(actor: Actor): Promise<string | null> {
    const member = await this.store.members.byId(actor.memberId);
    return member ? ((await this.store.conversations.personalChatOf(member.aadObjectId))?.conversationId ?? null) : null;
  }

  /** Whether the case was routed to this conversation (a channel): its card was posted there, or
   *  routing sends it there now (a channel set up after the case was reported). A card action from
   *  any other channel or group chat is refused: the cards of a case belong where it was sent. */
  async routedTo(c: CaseRecord, conversationId: string): Promise<boolean> {
    if ((await this.store.caseChanges.channelPosts(c.id)).some((p) => p.conversationId === conversationId)) return true;
    const recipients = await this.routing.recipientsFor({
      schoolId: c.school.id,
      districtId: c.districtId,
      ageAtReport: c.ageAtReport,
      escalatedToMlds: c.escalatedToMlds,
    });
    return recipients.includes(conversationId);
  }

  /** What a referral to the MLDS posts: the case's card to the bassin's MLDS channels where it is not
   *  yet (a 16+ case is already on the coordinators' channel: its card there is updated instead). */
  async referralSends(c: CaseRecord): Promise<OutgoingMessage[]> {
    const route = await this.routing.sendsFor({
      schoolId: c.school.id,
      districtId: c.districtId,
      ageAtReport: c.ageAtReport,
      escalatedToMlds: true,
      onlyMlds: true,
    });
    const posted = new Set((await this.store.caseChanges.channelPosts(c.id)).map((p) => p.conversationId));
    return route(c.id).filter((m) => !posted.has(m.conversationId));
  }

  /** The review date a new plan gets: four weeks later on a school day, moved to the school's first
   *  GPDS meeting on or after that day when one comes within four more weeks (Paris midnight). */
  async defaultReviewAt(schoolId: string, now: Date): Promise<Date> {
    const review = defaultReviewDate(now, DEFAULT_REVIEW_DAYS, this.calendar);
    const day = parisDay(review);
    const [meeting] = await this.store.gpds.upcoming(schoolId, day, 1);
    return meeting && meeting.date <= addDays(day, DEFAULT_REVIEW_DAYS) ? atParis(meeting.date) : review;
  }

  /** People a case can be assigned to: the district's coordinators and the school's référents. An
   *  under-16 case the GPDS has not referred reaches a coordinator only by referral: none offered. */
  async assignees(c: CaseRecord): Promise<MemberSummary[]> {
    const all = await this.store.members.assigneesOf(c.districtId, c.school.id);
    return staysWithSchool(this.scopeOf(c)) ? all.filter((m) => m.role !== "COORDINATOR") : all;
  }

  async act(actor: Actor, caseId: string, seenVersion: number, cmd: TriageCommand): Promise<TriageResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    // Who may close a case may reopen it (its follower among them: permissions.ASSIGNEE_OPERATIONS).
    const op: Operation = cmd.verb === "dismiss" || cmd.verb === "reopen" ? "CLOSE_CASE" : cmd.verb === "escalate" ? "REFER_TO_MLDS" : "TRIAGE";
    if (!this.may(actor, op, c)) {
      // A coordinator who sees a 16+ case before the GPDS has decided is told why they may not act.
      if (actor.role === "COORDINATOR" && !mldsMayAct(this.scopeOf(c)) && this.may(actor, "VIEW_STATUS", c)) {
        return { ok: false, reason: "INVALID_INPUT", field: "waitsForGpds", case: c };
      }
      return { ok: false, reason: "FORBIDDEN" };
    }
    if (c.version !== seenVersion) return { ok: false, reason: "CONFLICT", case: c };
    const transition = applyTransition(c.status, ACTION_OF[cmd.verb], actor.role);
    if (!transition.ok) return { ok: false, reason: transition.reason === "ROLE_NOT_ALLOWED" ? "FORBIDDEN" : "INVALID_TRANSITION", case: c };

    const change: CaseChange = { status: transition.to };
    const data: Record<string, unknown> = { from: c.status, to: transition.to };
    const messages: OutgoingMessage[] = [];
    const now = this.clock();
    let planOp: PlanOp | undefined;
    let assignees: MemberSummary[] | undefined;
    switch (cmd.verb) {
      case "takeCharge":
        change.assigneeId = actor.memberId;
        messages.push(...(await this.toReporters(c, "TAKEN_IN_CHARGE")));
        break;
      case "assign": {
        assignees = await this.assignees(c);
        const target = assignees.find((m) => m.id === cmd.assigneeId);
        if (!target) {
          // An under-16 case the GPDS has not referred is not a coordinator's to hold.
          const all = await this.store.members.assigneesOf(c.districtId, c.school.id);
          const refused = all.find((m) => m.id === cmd.assigneeId && m.role === "COORDINATOR");
          return { ok: false, reason: "INVALID_INPUT", field: refused ? "under16NotReferred" : "assigneeId", case: c };
        }
        change.assigneeId = target.id;
        data.assigneeId = target.id;
        const chat = await this.store.conversations.personalChatOf(target.aadObjectId);
        if (chat && target.id !== actor.memberId) {
          messages.push({
            conversationId: chat.conversationId,
            kind: "post",
            render: { view: "assigned", caseId: c.id },
            dedupeKey: `assigned:${c.id}:${c.version}`,
          });
        }
        break;
      }
      case "requestInfo": {
        const question = cleanText(cmd.question, { lines: true }).trim();
        if (!question || question.length > TEXT_MAX) return { ok: false, reason: "INVALID_INPUT", field: "question", case: c };
        data.question = question;
        messages.push(...(await this.toReporters(c, "INFO_REQUEST")));
        break;
      }
      case "dismiss": {
        const reason = cleanText(cmd.reason, { lines: true }).trim();
        if (!reason || reason.length > TEXT_MAX) return { ok: false, reason: "INVALID_INPUT", field: "reason", case: c };
        data.reason = reason;
        change.closedAt = now;
        change.closureProposedAt = null;
        messages.push(...(await this.toReporters(c, "CLOSED")));
        break;
      }
      case "reopen": {
        // Past its retention the case no longer names anyone: a new fiche de repérage starts afresh.
        if (c.pupil.anonymized) return { ok: false, reason: "INVALID_INPUT", field: "anonymized", case: c };
        const reason = cleanText(cmd.reason, { lines: true }).trim();
        if (!reason || reason.length > TEXT_MAX) return { ok: false, reason: "INVALID_INPUT", field: "reason", case: c };
        data.reason = reason;
        change.closedAt = null;
        change.closureProposedAt = null;
        // The case keeps its follower while they may still take it in charge; without one (or when
        // they left, or work elsewhere now), whoever reopens it follows it.
        if (!c.assignee || !(await mayFollow(this.store, c.assignee.id, this.scopeOf(c)))) change.assigneeId = actor.memberId;
        // The earlier outcome stays in the history (its CLOSED event); the case has none until it closes again.
        planOp = { kind: "reopen" };
        break;
      }
      case "escalate": {
        // The GPDS's decision to refer the pupil to the MLDS: once, and only for a pupil of 16 or
        // over on the day, or turning 16 before the end of the school year.
        if (c.escalatedToMlds) return { ok: false, reason: "INVALID_TRANSITION", case: c };
        const check = mayReferToMlds(c.pupil.birthYear, c.pupil.birthDate, now);
        if (!check.ok) return { ok: false, reason: "INVALID_INPUT", field: check.reason === "TOO_YOUNG" ? "tooYoung" : "birthDateNeeded", case: c };
        change.escalatedToMlds = true;
        change.referredAt = now;
        data.decision = "GPDS";
        data.role = actor.role;
        messages.push(...(await this.referralSends(c)));
        break;
      }
      case "openPlan": {
        if (!c.assignee) change.assigneeId = actor.memberId;
        // The plan starts empty with a review four weeks later (on a school day), at the school's
        // first GPDS meeting from then on when its dates are set; suggestions are offered on its card.
        const nextReviewAt = await this.defaultReviewAt(c.school.id, now);
        change.nextReviewAt = nextReviewAt;
        planOp = { kind: "open", objective: "", nextReviewAt, createdById: actor.memberId };
        break;
      }
    }
    // Every posted copy of the case card (channels, personal chats) is updated in place.
    for (const post of await this.store.caseChanges.channelPosts(c.id)) {
      messages.push({ conversationId: post.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
    }
    try {
      const updated = await this.store.caseChanges.apply(
        c.id,
        seenVersion,
        change,
        { type: EVENT_OF[cmd.verb], actorId: actor.memberId, data },
        messages,
        planOp,
      );
      return assignees ? { ok: true, case: updated, assignees } : { ok: true, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) {
        return { ok: false, reason: "CONFLICT", case: (await this.store.caseChanges.get({ id: c.id })) ?? c };
      }
      throw err;
    }
  }

  /**
   * The birth date of a case's pupil, completed by the school's GPDS (référent or chef
   * d'établissement) for a case reported before the form asked for it. The age at the report date
   * is computed again from it; if the pupil was 16 or over that day, the MLDS is told now.
   */
  async completeBirthDate(actor: Actor, caseId: string, seenVersion: number, typed: string): Promise<TriageResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.may(actor, "REFER_TO_MLDS", c)) return { ok: false, reason: "FORBIDDEN" };
    if (c.version !== seenVersion) return { ok: false, reason: "CONFLICT", case: c };
    if (c.pupil.birthDate !== null || c.pupil.anonymized) return { ok: false, reason: "INVALID_TRANSITION", case: c };
    const iso = parseBirthDate(typed);
    const now = this.clock();
    const year = iso ? Number(iso.slice(0, 4)) : NaN;
    if (!iso || year < REPORT_LIMITS.minBirthYear || year > now.getUTCFullYear() - REPORT_LIMITS.minAge) {
      return { ok: false, reason: "INVALID_INPUT", field: "birthDate", case: c };
    }
    const birthDate = new Date(`${iso}T00:00:00Z`);
    const ageAtReport = ageOn(year, birthDate, c.createdAt);
    const messages: OutgoingMessage[] = [];
    const posted = await this.store.caseChanges.channelPosts(c.id);
    if (!concernsMlds(c.ageAtReport, c.escalatedToMlds) && concernsMlds(ageAtReport, c.escalatedToMlds)) {
      const route = await this.routing.sendsFor({ schoolId: c.school.id, districtId: c.districtId, ageAtReport, escalatedToMlds: false, onlyMlds: true });
      messages.push(...route(c.id).filter((m) => !posted.some((p) => p.conversationId === m.conversationId)));
    }
    for (const post of posted) messages.push({ conversationId: post.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
    try {
      // The event says what changed, not the date itself (the pupil's record holds it).
      const updated = await this.store.caseChanges.apply(
        c.id,
        seenVersion,
        { pupilBirthDate: birthDate, ageAtReport },
        { type: "BIRTH_DATE_COMPLETED", actorId: actor.memberId, data: { ageAtReport } },
        messages,
      );
      return { ok: true, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) return { ok: false, reason: "CONFLICT", case: (await this.store.caseChanges.get({ id: c.id })) ?? c };
      throw err;
    }
  }

  /** The reporter's answer to a request for information: added to the case, which goes back to
   *  the people who asked; the channel card then shows "réponse reçue". */
  async answerInfo(actor: Actor, caseId: string, answer: string): Promise<TriageResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!c.reporterIds.includes(actor.memberId)) return { ok: false, reason: "FORBIDDEN" };
    const text = cleanText(answer, { lines: true }).trim();
    if (!text || text.length > TEXT_MAX) return { ok: false, reason: "INVALID_INPUT", field: "answer", case: c };
    const transition = applyTransition(c.status, "INFO_RECEIVED", actor.role);
    if (!transition.ok) return { ok: false, reason: "INVALID_TRANSITION", case: c };
    const messages: OutgoingMessage[] = (await this.store.caseChanges.channelPosts(c.id)).map((p) => ({
      conversationId: p.conversationId,
      kind: "update" as const,
      render: { view: "caseCard" as const, caseId: c.id },
    }));
    try {
      const updated = await this.store.caseChanges.apply(
        c.id,
        c.version,
        { status: transition.to },
        { type: "INFO_ANSWERED", actorId: actor.memberId, data: { answer: text } },
        messages,
      );
      return { ok: true, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) return this.answerInfo(actor, caseId, answer);
      throw err;
    }
  }

  reporterNotices(c: CaseRecord, notice: "TAKEN_IN_CHARGE" | "CLOSED" | "INFO_REQUEST"): Promise<OutgoingMessage[]> {
    return this.toReporters(c, notice);
  }

  private async toReporters(c: CaseRecord, notice: "TAKEN_IN_CHARGE" | "CLOSED" | "INFO_REQUEST"): Promise<OutgoingMessage[]> {
    const out: OutgoingMessage[] = [];
    for (const reporterId of c.reporterIds) {
      const reporter = await this.store.members.byId(reporterId);
      const chat = reporter && (await this.store.conversations.personalChatOf(reporter.aadObjectId));
      if (chat)
        out.push({
          conversationId: chat.conversationId,
          kind: "post",
          render: { view: "reporterNotice", caseId: c.id, notice },
          dedupeKey: `notice:${c.id}:${notice}:${c.version}:${reporterId}`,
        });
    }
    return out;
  }
}
