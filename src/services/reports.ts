import type { Store, SchoolSummary, OpenCaseMatch, RecordedReport } from "../store/index.js";
import { isComplete, pupilKey, withinLimits, type CompleteDraft, type PupilStep, type ReportDraft } from "../domain/report-draft.js";
import { signalFamily } from "../domain/signals.js";
import { nameKey } from "../domain/text.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";

export type ReportOutcome =
  | { ok: true; recorded: RecordedReport }
  | { ok: false; reason: "NOT_ALLOWED" | "INCOMPLETE" };

/** The fiche de repérage: who may report for which school, duplicate detection, and recording. */
export class ReportService {
  constructor(
    private readonly store: Store,
    private readonly routing: RoutingService,
    private readonly clock: () => Date = () => new Date(),
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

  async alreadyRecorded(submissionKey: string): Promise<RecordedReport | null> {
    return this.store.cases.findBySubmissionKey(submissionKey);
  }

  /** Records the report once per submission key, however many times it is confirmed. */
  async submit(actor: Actor, draft: ReportDraft, submissionKey: string): Promise<ReportOutcome> {
    if (!isComplete(draft) || !withinLimits(draft)) return { ok: false, reason: "INCOMPLETE" };
    const d: CompleteDraft = draft;
    const school = (await this.reportingSchools(actor)).find((s) => s.id === d.pupil.schoolId);
    if (!school) return { ok: false, reason: "NOT_ALLOWED" };
    const route = await this.routing.sendsFor({ schoolId: school.id, districtId: school.districtId, birthYear: d.pupil.birthYear, birthDate: null, escalatedToMlds: false });
    const recorded = await this.store.cases.recordReport({
      submissionKey,
      reporterId: actor.memberId,
      schoolId: d.pupil.schoolId,
      pupil: {
        lastName: d.pupil.lastName,
        firstName: d.pupil.firstName,
        nameKey: nameKey(d.pupil.lastName, d.pupil.firstName),
        birthYear: d.pupil.birthYear,
        className: d.pupil.className,
      },
      signals: d.signals.signals.map((s) => ({ code: s.code, family: signalFamily(s.code), ...(s.note ? { note: s.note } : {}) })),
      ...(d.signals.absenceHalfDays !== undefined ? { absenceHalfDays: d.signals.absenceHalfDays } : {}),
      stepsTaken: [...d.steps.stepsTaken],
      urgency: d.steps.urgency,
      ...(d.steps.observations ? { observations: d.steps.observations } : {}),
      ...(d.attachToCase ? { attachToCaseId: d.attachToCase.caseId } : {}),
      year: this.clock().getFullYear(),
    }, route);
    return { ok: true, recorded };
  }
}
