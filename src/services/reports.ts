import type { Store, SchoolSummary, OpenCaseMatch, OutgoingMessage, RecordedReport } from "../store/index.js";
import { ageAtReport } from "../domain/routing.js";
import { birthDateOf, isComplete, pupilKey, withinLimits, type CompleteDraft, type PupilStep, type ReportDraft } from "../domain/report-draft.js";
import { SIGNAL_FAMILIES, signalFamily } from "../domain/signals.js";
import { nameKey } from "../domain/text.js";
import { applyTransition } from "../domain/lifecycle.js";
import { REOPEN_BY_REPORT_DAYS, reopenableByReport } from "../domain/idle-cases.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";
import { SchoolOwnerService } from "./school-owners.js";
import { caseScopeOf } from "./case-scope.js";
import { mayFollow } from "./followers.js";

/** What became of a report that joined an open case: who follows that case (null: nobody yet),
 *  and whether they were told (they have a personal chat with the bot, and did not report it). */
export type JoinedCase = { followedBy: { name: string; told: boolean; isReporter: boolean } | null; reopened?: boolean };

/** Why a report reopens a closed case (its history shows it). */
export const REOPEN_BY_REPORT_REASON = "Nouvelle fiche de repérage";

/** A new case in a school with no active référent décrochage or chef d'établissement: who was told
 *  instead (the bassin's coordinators, the académie's admins), for the reporter's confirmation. */
export type ToldInstead = { coordinators: number; admins: number };

export type ReportOutcome =
  | { ok: true; recorded: RecordedReport; joined?: JoinedCase; toldInstead?: ToldInstead }
  | { ok: false; reason: "NOT_ALLOWED" | "INCOMPLETE" | "SCHOOL_CLOSED" };

/** The fiche de repérage: who may report for which school, duplicate detection, and recording. */
export class ReportService {
  constructor(
    private readonly store: Store,
    private readonly routing: RoutingService,
    private readonly clock: () => Date = () => new Date(),
    private readonly owners: SchoolOwnerService = new SchoolOwnerService(store, clock),
  ) {}

  /** Schools the actor may report for: their own schools; a coordinator's district. */
  async reportingSchools(actor: Actor): Promise<SchoolSummary[]> {
    switch (actor.role) {
      case "STAFF":
      case "CPE":
      case "HEAD":
      case "REFERENT":
      case "PSYEN":
      case "SOCIAL_WORKER":
      case "NURSE":
        return this.store.schools.byIds(actor.schoolIds);
      case "COORDINATOR":
        return actor.districtId ? this.store.schools.inDistrict(actor.districtId) : [];
      case "IEN_IO":
      case "DSDEN":
      case "ADMIN":
        return [];
    }
  }

  async mayReportFor(actor: Actor, schoolId: string): Promise<boolean> {
    return (await this.reportingSchools(actor)).some((s) => s.id === schoolId);
  }

  /** An open case of the same pupil, so that a second report joins it instead of duplicating it. */
  async findOpenCase(actor: Actor, pupil: PupilStep): Promise<OpenCaseMatch | null> {
    if (!(await this.mayReportFor(actor, pupil.schoolId))) return null;
    return this.store.cases.findOpenCaseForPupil(pupilKey(pupil));
  }

  /** Without an open case, a case of the same pupil closed less than a year ago (still naming the
   *  pupil), which the report may reopen instead of starting a new one: for who may report for its school. */
  async findReopenableCase(actor: Actor, pupil: PupilStep): Promise<OpenCaseMatch | null> {
    if (!(await this.mayReportFor(actor, pupil.schoolId))) return null;
    if (!applyTransition("CLOSED", "REOPEN_BY_REPORT", actor.role).ok) return null;
    const match = await this.store.cases.findClosedCaseForPupil(pupilKey(pupil), this.reopenSince());
    return match && reopenableByReport({ closedAt: new Date(match.closedAt), anonymized: false }, this.clock()) ? match : null;
  }

  private reopenSince(): Date {
    return new Date(this.clock().getTime() - REOPEN_BY_REPORT_DAYS * 86_400_000);
  }

  async alreadyRecorded(submissionKey: string): Promise<RecordedReport | null> {
    return this.store.cases.findBySubmissionKey(submissionKey);
  }

  /** Records the report once per submission key, however many times it is confirmed. */
  async submit(actor: Actor, draft: ReportDraft, submissionKey: string): Promise<ReportOutcome> {
    if (!isComplete(draft) || !withinLimits(draft)) return { ok: false, reason: "INCOMPLETE" };
    const d: CompleteDraft = draft;
    const school = (await this.reportingSchools(actor)).find((s) => s.id === d.pupil.schoolId);
    if (!school) return { ok: false, reason: "NOT_ALLOWED" };
    // A closed school keeps its cases but takes no new report (a report joining one of its open
    // cases is still a new report).
    if (school.state === "CLOSED") return { ok: false, reason: "SCHOOL_CLOSED" };
    // Nobody at the school to follow a new case: it goes to the bassin's MLDS from the start (whose
    // coordinators may then see it, whatever the pupil's age) and the admins are told.
    const orphan = d.attachToCase ? null : await this.owners.routeWithoutOwner(school);
    // The age at the report date decides, once and for all, whether the MLDS hears of the case now.
    const birthDate = birthDateOf(d.pupil);
    const age = ageAtReport(d.pupil.birthYear, birthDate, this.clock());
    const usual = await this.routing.sendsFor({
      schoolId: school.id,
      districtId: school.districtId,
      ageAtReport: age,
      escalatedToMlds: orphan !== null,
    });
    const route = orphan ? (caseId: string) => [...usual(caseId), ...orphan.extraSends(caseId)] : usual;
    const families = [...new Set(d.signals.signals.map((s) => signalFamily(s.code)))];
    // Reopening a closed case by a new report: a report, not a triage decision (lifecycle REOPEN_BY_REPORT).
    const reopen = d.attachToCase?.reopen === true && applyTransition("CLOSED", "REOPEN_BY_REPORT", actor.role).ok;
    const join = d.attachToCase ? await this.joinSends(actor, d.attachToCase.caseId, families, d.steps.urgency, submissionKey, reopen) : null;
    const recorded = await this.store.cases.recordReport(
      {
        submissionKey,
        reporterId: actor.memberId,
        schoolId: d.pupil.schoolId,
        pupil: {
          lastName: d.pupil.lastName,
          firstName: d.pupil.firstName,
          nameKey: nameKey(d.pupil.lastName, d.pupil.firstName),
          birthYear: d.pupil.birthYear,
          ...(birthDate ? { birthDate } : {}),
          className: d.pupil.className,
        },
        ageAtReport: age,
        ...(d.steps.outOfSchool ? { outOfSchool: true } : {}),
        signals: d.signals.signals.map((s) => ({ code: s.code, family: signalFamily(s.code), ...(s.note ? { note: s.note } : {}) })),
        ...(d.signals.absenceHalfDays !== undefined ? { absenceHalfDays: d.signals.absenceHalfDays } : {}),
        stepsTaken: [...d.steps.stepsTaken],
        urgency: d.steps.urgency,
        ...(d.steps.observations ? { observations: d.steps.observations } : {}),
        ...(d.attachToCase ? { attachToCaseId: d.attachToCase.caseId } : {}),
        ...(d.attachToCase?.reopen
          ? { reopen: { closedSince: this.reopenSince(), reason: REOPEN_BY_REPORT_REASON, ...(join?.followerGone ? { dropFollower: true } : {}) } }
          : {}),
        ...(orphan ? { escalatedToMlds: true } : {}),
        year: this.clock().getFullYear(),
      },
      route,
      join?.messages,
    );
    if (recorded.joinedExisting && join) return { ok: true, recorded, joined: recorded.reopened ? { ...join.joined, reopened: true } : join.joined };
    return orphan && !recorded.joinedExisting
      ? { ok: true, recorded, toldInstead: { coordinators: orphan.coordinators, admins: orphan.admins } }
      : { ok: true, recorded };
  }

  /** A report that joins an open case: its posted cards (channel, référents' chats) are redrawn
   *  with the new signals and urgency, and whoever follows the case is told, in their personal
   *  chat (the families and the urgency; no name, no note). */
  private async joinSends(
    actor: Actor,
    caseId: string,
    families: string[],
    urgency: number,
    submissionKey: string,
    reopen = false,
  ): Promise<{ messages: OutgoingMessage[]; joined: JoinedCase; followerGone?: boolean }> {
    const found = await this.store.caseChanges.get({ id: caseId });
    // A case reopened months after it closed: its former follower may have left, or work elsewhere.
    const followerGone = reopen && found?.assignee ? !(await mayFollow(this.store, found.assignee.id, caseScopeOf(found))) : false;
    const c = found && followerGone ? { ...found, assignee: null } : found;
    const messages: OutgoingMessage[] = (await this.store.caseChanges.channelPosts(caseId)).map((post) => ({
      conversationId: post.conversationId,
      kind: "update" as const,
      render: { view: "caseCard" as const, caseId },
    }));
    if (c && !c.assignee && reopen) {
      // A reopened case nobody follows asks for a follower: its card goes to who takes cases in
      // charge (the bassin's coordinators once referred to the MLDS, else the school's référents).
      const takers = c.escalatedToMlds ? await this.store.members.coordinatorsOf(c.districtId) : await this.store.members.referentsOf(c.school.id);
      for (const m of takers) {
        const chat = await this.store.conversations.personalChatOf(m.aadObjectId);
        if (chat)
          messages.push({
            conversationId: chat.conversationId,
            kind: "post",
            render: { view: "caseCard", caseId },
            dedupeKey: `report-reopened:${caseId}:${submissionKey}:${m.id}`,
          });
      }
    }
    if (!c?.assignee) return { messages, joined: { followedBy: null }, ...(followerGone ? { followerGone } : {}) };
    const isReporter = c.assignee.id === actor.memberId;
    const follower = isReporter ? null : await this.store.members.byId(c.assignee.id);
    const chat = follower ? await this.store.conversations.personalChatOf(follower.aadObjectId) : null;
    if (chat) {
      messages.push({
        conversationId: chat.conversationId,
        kind: "post",
        render: { view: "reportAdded", caseId, reporterId: actor.memberId, families: SIGNAL_FAMILIES.filter((f) => families.includes(f)), urgency },
        dedupeKey: `report-added:${caseId}:${submissionKey}`,
      });
    }
    return { messages, joined: { followedBy: { name: c.assignee.displayName, told: chat !== null, isReporter } } };
  }
}
