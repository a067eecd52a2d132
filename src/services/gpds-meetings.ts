import {
  GPDS_DECISION_EVENT,
  GPDS_MEMBER_ROLES,
  decisionSetsReview,
  reviewDayAfterDecision,
  statusAfterDecision,
  summaryDue,
  type GpdsDecision,
} from "../domain/gpds.js";
import { can } from "../domain/permissions.js";
import { mayReferToMlds } from "../domain/routing.js";
import { atParis, defaultReviewDate, parisDay, schoolCalendar, type SchoolCalendar } from "../domain/school-days.js";
import type { GpdsDecisionLine, GpdsMeetingDetail } from "../store/gpds.js";
import { VersionConflictError, type CaseChange, type OutgoingMessage, type PlanOp, type Store } from "../store/index.js";
import type { NewSend } from "../store/sends.js";
import type { Actor } from "./members.js";
import { DEFAULT_REVIEW_DAYS } from "./plans.js";
import type { TriageService } from "./triage.js";

export type GpdsMember = { id: string; displayName: string; role: string };

/** A meeting's agenda as it stands: its lines and their decisions, who attended, the school's GPDS
 *  members (the attendance choices) and whether the caller may record decisions. */
export type GpdsAgendaView = {
  meeting: GpdsMeetingDetail;
  /** `referable`: whether « Orienter vers la MLDS » is offered (16, or 16 by 31 August; not yet referred). */
  lines: (GpdsDecisionLine & { referable: boolean })[];
  members: GpdsMember[];
  mayDecide: boolean;
};

/** Why one line's decision was not recorded. */
export type GpdsLineRefusal =
  "NOT_ON_AGENDA" | "ALREADY_DECIDED" | "CASE_CLOSED" | "ALREADY_REFERRED" | "TOO_YOUNG" | "BIRTH_DATE_NEEDED" | "FORBIDDEN" | "CONFLICT";

export type GpdsDecideResult =
  | {
      ok: true;
      view: GpdsAgendaView;
      recorded: { reference: string; decision: GpdsDecision }[];
      refused: { reference: string; reason: GpdsLineRefusal }[];
      attendeesSaved: boolean;
      /** The séance was closed by this call (its summary queued). */
      closed: boolean;
    }
  | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "CLOSED" | "NO_AGENDA"; view?: GpdsAgendaView };

export type GpdsDecisionInput = { caseId: string; decision: GpdsDecision };

/** A meeting's summary for one reader: with names for a member who may read them (personal chat),
 *  initials otherwise. */
export type GpdsSummary = { meeting: GpdsMeetingDetail; lines: GpdsDecisionLine[]; attendees: GpdsMember[]; names: boolean };

/**
 * The GPDS meeting itself: the decision of each agenda line (school measures, referral to the
 * MLDS, keep watching, close without support, postpone), who attended, and the séance's closing
 * with its summary. Who may record them: the permission table (GPDS_DECIDE, and the referral's own
 * age rule); each decision is a case event (history and audit) written with the case's change.
 */
export class GpdsMeetingService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly clock: () => Date = () => new Date(),
    private readonly calendar: SchoolCalendar = schoolCalendar(),
  ) {}

  /** The agenda as a member of the school sees it (null: unknown meeting or not theirs to see). */
  async agenda(actor: Actor, meetingId: string): Promise<GpdsAgendaView | null> {
    const meeting = await this.store.gpds.meeting(meetingId);
    if (!meeting || !actor.schoolIds.includes(meeting.schoolId)) return null;
    return this.viewOf(meeting, actor);
  }

  /** The agenda as the outbox renders it for a whole conversation (no caller). */
  async systemAgenda(meetingId: string): Promise<GpdsAgendaView | null> {
    const meeting = await this.store.gpds.meeting(meetingId);
    return meeting ? this.viewOf(meeting, null) : null;
  }

  /**
   * Records what the agenda card sent: the decisions chosen for its lines and who attended; with
   * `close`, then closes the séance and queues its summary. Each line is decided once.
   */
  async decide(actor: Actor, meetingId: string, input: { decisions: GpdsDecisionInput[]; attendeeIds?: string[]; close?: boolean }): Promise<GpdsDecideResult> {
    const meeting = await this.store.gpds.meeting(meetingId);
    if (!meeting) return { ok: false, reason: "NOT_FOUND" };
    if (!this.mayDecideFor(actor, meeting.schoolId)) {
      return { ok: false, reason: "FORBIDDEN", ...(actor.schoolIds.includes(meeting.schoolId) ? { view: await this.viewOf(meeting, actor) } : {}) };
    }
    if (!meeting.agendaSentAt) return { ok: false, reason: "NO_AGENDA" };
    if (meeting.closedAt) return { ok: false, reason: "CLOSED", view: await this.viewOf(meeting, actor) };

    let attendeesSaved = false;
    if (input.attendeeIds) {
      const members = await this.store.gpds.members(meeting.schoolId, GPDS_MEMBER_ROLES);
      const known = new Set(members.map((m) => m.id));
      attendeesSaved = await this.store.gpds.setAttendees(
        meeting.id,
        [...new Set(input.attendeeIds)].filter((id) => known.has(id)),
      );
    }
    const lines = await this.store.gpds.agendaLines(meeting);
    const recorded: { reference: string; decision: GpdsDecision }[] = [];
    const refused: { reference: string; reason: GpdsLineRefusal }[] = [];
    for (const { caseId, decision } of input.decisions) {
      const line = lines.find((l) => l.caseId === caseId);
      if (!line) {
        refused.push({ reference: "—", reason: "NOT_ON_AGENDA" });
        continue;
      }
      const outcome = await this.decideLine(actor, meeting, line, decision);
      if (outcome === null) recorded.push({ reference: line.reference, decision });
      else refused.push({ reference: line.reference, reason: outcome });
    }
    let closed = false;
    if (input.close) closed = (await this.store.gpds.close(meeting.id, actor.memberId, this.clock(), GPDS_MEMBER_ROLES)) !== null;
    // Every delivered copy of the agenda card shows the decisions (in the GPDS space: initials).
    if (recorded.length > 0 || attendeesSaved || closed) await this.updateAgendaCards(meeting.id);
    const fresh = (await this.store.gpds.meeting(meeting.id)) ?? meeting;
    return { ok: true, view: await this.viewOf(fresh, actor), recorded, refused, attendeesSaved, closed };
  }

  /** Closes, the day after their meeting, the séances nobody closed; returns how many sends were queued. */
  async runSummaries(): Promise<number> {
    const now = this.clock();
    let queued = 0;
    for (const meeting of await this.store.gpds.summaryCandidates(parisDay(now))) {
      if (!summaryDue(meeting.date, now)) continue;
      // A meeting without lines (nothing to examine, or an agenda sent before the lines were kept)
      // is closed without a summary: there is nothing to tell.
      const sent = await this.store.gpds.close(meeting.id, null, now, GPDS_MEMBER_ROLES, meeting.lines > 0);
      if (sent !== null) {
        queued += sent;
        await this.updateAgendaCards(meeting.id);
      }
    }
    return queued;
  }

  /** A closed meeting's summary for a queued send: `memberId` names the member whose personal chat
   *  it goes to (names where they may read them), null for the GPDS space (initials only). */
  async summaryFor(meetingId: string, member: Actor | null): Promise<GpdsSummary | null> {
    const meeting = await this.store.gpds.meeting(meetingId);
    if (!meeting?.closedAt) return null;
    if (member && !(member.schoolIds.includes(meeting.schoolId) && (GPDS_MEMBER_ROLES as readonly string[]).includes(member.role))) return null;
    const [lines, members] = await Promise.all([this.store.gpds.agendaLines(meeting), this.store.gpds.members(meeting.schoolId, GPDS_MEMBER_ROLES)]);
    let shown = lines;
    if (member) {
      // Names only for the lines whose details this member may read.
      shown = [];
      for (const line of lines) {
        const c = await this.store.caseChanges.get({ id: line.caseId });
        const may = c !== null && this.triage.may(member, "VIEW_DETAILS", c);
        shown.push(may ? line : { ...line, firstName: "", lastName: "" });
      }
    }
    return {
      meeting,
      lines: shown,
      attendees: members.filter((m) => meeting.attendeeIds.includes(m.id)),
      names: member !== null,
    };
  }

  private mayDecideFor(actor: Actor, schoolId: string): boolean {
    // GPDS_DECIDE reaches the school's cases: asked about any case of the meeting's school.
    return can(actor, "GPDS_DECIDE", { schoolId, districtId: "", reporterIds: [], assigneeId: null, escalatedToMlds: false });
  }

  private async viewOf(meeting: GpdsMeetingDetail, actor: Actor | null): Promise<GpdsAgendaView> {
    const [lines, members] = await Promise.all([this.store.gpds.agendaLines(meeting), this.store.gpds.members(meeting.schoolId, GPDS_MEMBER_ROLES)]);
    const now = this.clock();
    return {
      meeting,
      lines: lines.map((l) => ({ ...l, referable: !l.escalatedToMlds && mayReferToMlds(l.pupilBirth.year, l.pupilBirth.date, now).ok })),
      members,
      mayDecide: actor !== null && this.mayDecideFor(actor, meeting.schoolId),
    };
  }

  /** One line's decision, written with the case's change in one statement; null when recorded. */
  private async decideLine(
    actor: Actor,
    meeting: GpdsMeetingDetail,
    line: GpdsDecisionLine,
    decision: GpdsDecision,
    retry = true,
  ): Promise<GpdsLineRefusal | null> {
    if (line.decision) return "ALREADY_DECIDED";
    const c = await this.store.caseChanges.get({ id: line.caseId });
    if (!c) return "NOT_ON_AGENDA";
    // The line's decision read again after the case: a decision recorded before the case was read
    // shows here, one recorded after it changes the version that apply() checks (it is written in
    // the same statement). Reading the lines once, before the cases, let two people deciding at
    // once both record theirs on PostgreSQL.
    const current = (await this.store.gpds.agendaLines(meeting)).find((l) => l.caseId === line.caseId);
    if (!current) return "NOT_ON_AGENDA";
    if (current.decision) return "ALREADY_DECIDED";
    if (!this.triage.may(actor, "GPDS_DECIDE", c)) return "FORBIDDEN";
    const to = statusAfterDecision(decision, c.status);
    if (to === null) return "CASE_CLOSED";
    const now = this.clock();
    const change: CaseChange = {};
    if (to !== c.status) change.status = to;
    const data: Record<string, unknown> = { meetingId: meeting.id, meetingDate: meeting.date, decision, from: c.status, to, role: actor.role };
    const messages: OutgoingMessage[] = [];
    let planOp: PlanOp | undefined;
    let reviewAt: Date | null = null;
    if (decisionSetsReview(decision)) {
      // The next GPDS date is the default review date (a school day); without one, the usual default.
      const next = await this.store.gpds.nextAfter(meeting.schoolId, meeting.date);
      const fallback = parisDay(defaultReviewDate(now, DEFAULT_REVIEW_DAYS, this.calendar));
      const reviewDay = reviewDayAfterDecision(next, fallback, this.calendar);
      reviewAt = atParis(reviewDay);
      change.nextReviewAt = reviewAt;
      change.reviewRemindedFor = null;
      data.reviewDay = reviewDay;
    }
    switch (decision) {
      case "SCHOOL_MEASURES": {
        // The school's measures go in the case's Parcours de suivi: opened now if it has none.
        if (!c.assignee) change.assigneeId = actor.memberId;
        const plan = await this.store.plans.get(c.id);
        planOp = plan
          ? { kind: "setReview", objective: plan.objective, nextReviewAt: reviewAt }
          : { kind: "open", objective: "", nextReviewAt: reviewAt, createdById: actor.memberId };
        break;
      }
      case "REFER_TO_MLDS": {
        if (c.escalatedToMlds) return "ALREADY_REFERRED";
        if (!this.triage.may(actor, "REFER_TO_MLDS", c)) return "FORBIDDEN";
        const check = mayReferToMlds(c.pupil.birthYear, c.pupil.birthDate, now);
        if (!check.ok) return check.reason === "TOO_YOUNG" ? "TOO_YOUNG" : "BIRTH_DATE_NEEDED";
        change.escalatedToMlds = true;
        change.referredAt = now;
        messages.push(...(await this.triage.referralSends(c)));
        break;
      }
      case "CLOSE_NO_SUPPORT":
        change.closedAt = now;
        // A case with a Parcours de suivi closes with that outcome (without one, none is recorded:
        // the statistics count it the same way, as a dismissal).
        if (c.status === "PLAN_ACTIVE" || c.status === "REVIEW_DUE")
          planOp = { kind: "close", outcome: "DISMISSED", comment: null, decidedById: actor.memberId };
        messages.push(...(await this.triage.reporterNotices(c, "CLOSED")));
        break;
      case "KEEP_WATCHING":
      case "POSTPONE":
        break;
    }
    for (const post of await this.store.caseChanges.channelPosts(c.id)) {
      messages.push({ conversationId: post.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
    }
    try {
      await this.store.caseChanges.apply(c.id, c.version, change, { type: GPDS_DECISION_EVENT, actorId: actor.memberId, data }, messages, planOp);
      return null;
    } catch (err) {
      if (err instanceof VersionConflictError) {
        if (!retry) return "CONFLICT";
        // The case changed meanwhile: perhaps someone else decided this line (once only).
        const fresh = (await this.store.gpds.agendaLines(meeting)).find((l) => l.caseId === line.caseId);
        return fresh ? this.decideLine(actor, meeting, fresh, decision, false) : "NOT_ON_AGENDA";
      }
      throw err;
    }
  }

  /** Queues an update of every delivered copy of a meeting's agenda card. */
  private async updateAgendaCards(meetingId: string): Promise<void> {
    const posts = await this.store.gpds.agendaPosts(meetingId);
    const sends = posts.map((p): NewSend => ({ conversationId: p.conversationId, kind: "update", payload: { render: p.render, activityId: p.activityId } }));
    await this.store.gpds.queue(sends);
  }
}

/** The decisions a card offers, for the Teams layer (and its zod schema). */
export { GPDS_DECISIONS } from "../domain/gpds.js";
export type { GpdsDecision } from "../domain/gpds.js";
export type { GpdsDecisionLine, GpdsMeetingDetail } from "../store/gpds.js";
