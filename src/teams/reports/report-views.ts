import { SIGNAL_FAMILIES, SIGNALS, STEPS_TAKEN, absenceAlert, ABSENCE_ALERT_THRESHOLD } from "../../domain/signals.js";
import { initials } from "../../domain/text.js";
import { REPORT_LIMITS, noteInputId, signalInputId, type FieldErrors, type ReportDraft } from "../../domain/report-draft.js";
import type { SchoolSummary, OpenCaseMatch, RecordedReport } from "../../store/index.js";
import type { JoinedCase, ToldInstead } from "../../services/reports.js";
import { ownerlessReporterText } from "../directory/school-directory-views.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import type { Translate } from "../i18n.js";
import type {
  PromptCardData,
  ReportConfirmedCardData,
  ReportDuplicateCardData,
  ReportNotesCardData,
  ReportPupilCardData,
  ReportSignalsCardData,
  ReportStepsCardData,
  ReportSummaryCardData,
  UnknownMemberCardData,
} from "../cards/card-data.js";

/** Card data for each step of the fiche de repérage. `values` are what the user typed (kept on
 *  errors), `errors` field error codes from the domain, worded here. */

export type ReportStep = "pupil" | "duplicate" | "signals" | "notes" | "steps" | "summary";

type Shown = { values?: Record<string, string>; errors?: FieldErrors };

function errorText(t: Translate, code: string | undefined, currentYear: number): string {
  if (!code) return "";
  return t(`fieldError.${code}`, { min: REPORT_LIMITS.minBirthYear, max: currentYear - REPORT_LIMITS.minAge });
}

export function pupilCard(
  t: Translate,
  a: { draftId: string; draft: ReportDraft; schools: SchoolSummary[]; defaultSchoolId?: string; currentYear: number } & Shown,
): AdaptiveCardJson {
  const p = a.draft.pupil;
  const values = a.values ?? {
    lastName: p?.lastName ?? "",
    firstName: p?.firstName ?? "",
    className: p?.className ?? "",
    schoolId: p?.schoolId ?? a.defaultSchoolId ?? "",
    birthDate: p?.birthDate ? frenchDate(p.birthDate) : "",
  };
  const e = a.errors ?? {};
  const err = (k: string) => errorText(t, e[k], a.currentYear);
  return renderCard("report-pupil", {
    draftId: a.draftId,
    progress: t("report.progress", { step: 1 }),
    title: t("report.pupil.title"),
    intro: t("report.pupil.intro"),
    fix: Object.keys(e).length ? t("report.fix") : "",
    labels: {
      lastName: t("report.pupil.lastName"),
      firstName: t("report.pupil.firstName"),
      className: t("report.pupil.className"),
      classPlaceholder: t("report.pupil.classPlaceholder"),
      birthDate: t("report.pupil.birthDate"),
      birthDatePlaceholder: t("report.pupil.birthDatePlaceholder"),
      school: t("report.pupil.school"),
      schoolPlaceholder: t("report.pupil.schoolPlaceholder"),
      next: t("report.pupil.next"),
      cancel: t("report.summary.cancel"),
      required: t("fieldError.required"),
    },
    values,
    errors: { lastName: err("lastName"), firstName: err("firstName"), className: err("className"), birthDate: err("birthDate"), schoolId: err("schoolId") },
    schools: a.schools.map((s) => ({ title: s.city ? `${s.name} (${s.city}) – ${s.uai}` : `${s.name} – ${s.uai}`, value: s.id })),
  } satisfies ReportPupilCardData);
}

/** The day a case closed, in the duplicate step (Paris calendar date, 06/12/2026). */
const CLOSED_ON = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric" });

export function duplicateCard(t: Translate, a: { draftId: string; draft: ReportDraft; match: OpenCaseMatch }): AdaptiveCardJson {
  const p = a.draft.pupil!;
  const vars = {
    initials: initials(p.firstName, p.lastName),
    className: p.className,
    birthYear: p.birthYear,
    reference: a.match.reference,
    status: t(`status.${a.match.status}`),
  };
  if (a.match.closedAt !== undefined) {
    // A case closed less than a year ago: reopen it with this report, or start a new one.
    const closedOn = CLOSED_ON.format(new Date(a.match.closedAt));
    return renderCard("report-duplicate", {
      draftId: a.draftId,
      title: t("report.reopen.title"),
      body: t("report.reopen.body", vars),
      question: t("report.reopen.question", { ...vars, date: closedOn }),
      attach: t("report.reopen.attach"),
      separate: t("report.reopen.separate"),
      cancel: t("report.summary.cancel"),
    } satisfies ReportDuplicateCardData);
  }
  return renderCard("report-duplicate", {
    draftId: a.draftId,
    title: t("report.duplicate.title"),
    body: t("report.duplicate.body", vars),
    question: t("report.duplicate.question"),
    attach: t("report.duplicate.attach", vars),
    separate: t("report.duplicate.separate"),
    cancel: t("report.summary.cancel"),
  } satisfies ReportDuplicateCardData);
}

function alertText(t: Translate, halfDays: number | undefined): string {
  return absenceAlert(halfDays) ? t("report.signals.alert", { count: halfDays, threshold: ABSENCE_ALERT_THRESHOLD }) : "";
}

export function signalsCard(t: Translate, a: { draftId: string; draft: ReportDraft } & Shown): AdaptiveCardJson {
  const chosen = new Set((a.draft.signals?.signals ?? []).map((s) => s.code));
  const values = a.values;
  const e = a.errors ?? {};
  const halfDays = values ? (values.absenceHalfDays ?? "") : a.draft.signals?.absenceHalfDays !== undefined ? String(a.draft.signals.absenceHalfDays) : "";
  const halfDaysNumber = /^\d+$/.test(halfDays) ? Number(halfDays) : undefined;
  return renderCard("report-signals", {
    draftId: a.draftId,
    progress: t("report.progress", { step: 2 }),
    title: t("report.signals.title"),
    intro: t("report.signals.intro"),
    fix: Object.keys(e).length ? t("report.fix") : "",
    signalsError: e.signals ? t(`fieldError.${e.signals}`) : "",
    alert: alertText(t, halfDaysNumber),
    halfDays,
    halfDaysError: e.absenceHalfDays ? t(`fieldError.${e.absenceHalfDays}`) : "",
    labels: {
      halfDays: t("report.signals.halfDays"),
      halfDaysPlaceholder: t("report.signals.halfDaysPlaceholder"),
      next: t("report.signals.next"),
      cancel: t("report.summary.cancel"),
    },
    families: SIGNAL_FAMILIES.map((family) => ({
      label: t(`family.${family}`),
      showHalfDays: family === "ATTENDANCE",
      signals: SIGNALS.filter((s) => s.family === family).map((s) => {
        const toggleId = signalInputId(s.code);
        return {
          toggleId,
          label: t(`signal.${s.code}`),
          checked: values ? (values[toggleId] === "true" ? "true" : "false") : chosen.has(s.code) ? "true" : "false",
        };
      }),
    })),
  } satisfies ReportSignalsCardData);
}

/** A short card after the signals: one labelled note field for each ticked signal, so that nobody
 *  scrolls past fourteen empty fields (and a screen reader does not read fourteen placeholders). */
export function notesCard(t: Translate, a: { draftId: string; draft: ReportDraft } & Shown): AdaptiveCardJson {
  const e = a.errors ?? {};
  return renderCard("report-notes", {
    draftId: a.draftId,
    progress: t("report.progress", { step: 2 }),
    title: t("report.notes.title"),
    intro: t("report.notes.intro", { max: REPORT_LIMITS.noteMax }),
    fix: Object.keys(e).length ? t("report.fix") : "",
    signalsError: e.signals ? t(`fieldError.${e.signals}`) : "",
    privacy: t("report.steps.privacy"),
    labels: {
      notePlaceholder: t("report.signals.notePlaceholder"),
      next: t("report.signals.next"),
      back: t("report.notes.back"),
      cancel: t("report.summary.cancel"),
    },
    notes: (a.draft.signals?.signals ?? []).map((s) => {
      const noteId = noteInputId(s.code);
      const note = a.values ? (a.values[noteId] ?? "") : (s.note ?? "");
      return { noteId, label: t(`signal.${s.code}`), note, noteError: e[noteId] ? lengthError(t, e[noteId], note, REPORT_LIMITS.noteMax) : "" };
    }),
  } satisfies ReportNotesCardData);
}

/** A text over its limit says how long it is, so that the person knows how much to cut. */
function lengthError(t: Translate, code: string, typed: string, max: number): string {
  return code.endsWith("TooLong") || code === "tooLong" ? t("fieldError.textTooLong", { count: typed.length, max }) : t(`fieldError.${code}`);
}

export function stepsCard(t: Translate, a: { draftId: string; draft: ReportDraft } & Shown): AdaptiveCardJson {
  const s = a.draft.steps;
  const values = a.values ?? {
    stepsTaken: (s?.stepsTaken ?? []).join(","),
    urgency: s ? String(s.urgency) : "",
    observations: s?.observations ?? "",
    outOfSchool: s?.outOfSchool ? "true" : "false",
  };
  const e = a.errors ?? {};
  const err = (k: string) =>
    e[k] ? (k === "observations" ? lengthError(t, e[k], values.observations ?? "", REPORT_LIMITS.observationsMax) : t(`fieldError.${e[k]}`)) : "";
  return renderCard("report-steps", {
    draftId: a.draftId,
    progress: t("report.progress", { step: 3 }),
    title: t("report.steps.title"),
    fix: Object.keys(e).length ? t("report.fix") : "",
    alert: alertText(t, a.draft.signals?.absenceHalfDays),
    labels: {
      stepsLabel: t("report.steps.stepsLabel"),
      urgencyLabel: t("report.steps.urgencyLabel"),
      outOfSchool: t("report.steps.outOfSchool"),
      observations: t("report.steps.observations"),
      observationsPlaceholder: t("report.steps.observationsPlaceholder"),
      privacy: t("report.steps.privacy"),
      next: t("report.steps.next"),
      cancel: t("report.summary.cancel"),
      required: t("fieldError.required"),
    },
    values,
    errors: { stepsTaken: err("stepsTaken"), urgency: err("urgency"), observations: err("observations") },
    stepChoices: STEPS_TAKEN.map((code) => ({ title: t(`stepTaken.${code}`), value: code })),
    urgencyChoices: ["1", "2", "3"].map((u) => ({ title: t(`urgency.${u}`), value: u })),
  } satisfies ReportStepsCardData);
}

export function summaryCard(t: Translate, a: { draftId: string; draft: ReportDraft; schoolName: string }): AdaptiveCardJson {
  const d = a.draft;
  const p = d.pupil!;
  const sig = d.signals!;
  const st = d.steps!;
  const signalFacts = sig.signals.map((s) => ({ title: t(`signal.${s.code}`), value: s.note ?? "✓" }));
  if (sig.absenceHalfDays !== undefined) signalFacts.unshift({ title: t("report.summary.halfDays"), value: String(sig.absenceHalfDays) });
  const stepFacts = [
    {
      title: t("report.summary.stepsTaken"),
      value: st.stepsTaken.length ? st.stepsTaken.map((c) => t(`stepTaken.${c}`)).join(", ") : t("report.summary.noStep"),
    },
    { title: t("report.summary.urgency"), value: t(`urgency.${st.urgency}`) },
    ...(st.outOfSchool ? [{ title: t("report.summary.outOfSchool"), value: t("report.summary.yes") }] : []),
  ];
  if (st.observations) stepFacts.push({ title: t("report.summary.observations"), value: st.observations });
  return renderCard("report-summary", {
    draftId: a.draftId,
    progress: t("report.progress", { step: 4 }),
    title: t("report.summary.title"),
    intro: t("report.summary.intro"),
    joins: d.attachToCase ? t(d.attachToCase.reopen ? "report.summary.reopens" : "report.summary.joins", { reference: d.attachToCase.reference }) : "",
    alert: alertText(t, sig.absenceHalfDays),
    labels: { edit: t("report.summary.edit"), confirm: t("report.summary.confirm"), cancel: t("report.summary.cancel") },
    sections: [
      {
        step: "pupil",
        label: t("report.summary.pupil"),
        facts: [
          { title: t("report.summary.name"), value: `${p.firstName} ${p.lastName}` },
          { title: t("report.summary.class"), value: p.className },
          { title: t("report.summary.school"), value: a.schoolName },
          p.birthDate
            ? { title: t("report.summary.birthDate"), value: frenchDate(p.birthDate) }
            : { title: t("report.summary.birthYear"), value: String(p.birthYear) },
        ],
      },
      { step: "signals", label: t("report.summary.signals"), facts: signalFacts },
      { step: "steps", label: t("report.summary.steps"), facts: stepFacts },
    ],
  } satisfies ReportSummaryCardData);
}

/** The confirmation says what really happened: a new case was routed, or the report joined an open
 *  case, followed by someone who was told (or who will see it there), or by nobody yet. */
export function confirmedCard(t: Translate, r: RecordedReport, joined?: JoinedCase, toldInstead?: ToldInstead): AdaptiveCardJson {
  const follower = joined?.followedBy ?? null;
  const joinedText = !r.joinedExisting
    ? ""
    : !follower
      ? t("report.confirmed.joinedWaiting", { reference: r.reference })
      : follower.isReporter
        ? t("report.confirmed.joinedYours", { reference: r.reference })
        : t(follower.told ? "report.confirmed.joinedTold" : "report.confirmed.joinedFollowed", { reference: r.reference, name: follower.name });
  return renderCard("report-confirmed", {
    title: t("report.confirmed.title"),
    referenceLine: t("report.confirmed.reference", { reference: r.reference }),
    joined: joined?.reopened ? `${t("report.confirmed.reopened", { reference: r.reference })} ${joinedText}` : joinedText,
    // A school with nobody to follow the case: say who was really told.
    next: r.joinedExisting ? "" : toldInstead ? ownerlessReporterText(t, toldInstead) : t("report.confirmed.next"),
    follow: t("report.confirmed.follow", { reference: r.reference }),
    thanks: t("report.confirmed.thanks"),
  } satisfies ReportConfirmedCardData);
}

/** The number shown as "Étape n sur 4" for each step. */
export function stepNumber(step: ReportStep): number {
  return { pupil: 1, duplicate: 1, signals: 2, notes: 2, steps: 3, summary: 4 }[step];
}

/** A report waits while the person asked something else, or after a reload of Teams, when its
 *  card is no longer on screen: a button brings its current step back. */
export function reportWaitingCard(t: Translate, step: ReportStep): AdaptiveCardJson {
  return renderCard("prompt", {
    title: t("report.waiting.title", { step: stepNumber(step) }),
    weight: "Bolder",
    body: t("report.waiting.body"),
    buttons: [{ title: t("report.waiting.resume"), action: "report.resume", name: "" }],
  } satisfies PromptCardData);
}

export function unknownMemberCard(t: Translate, name: string | undefined): AdaptiveCardJson {
  return renderCard("unknown-member", {
    title: t("unknownMember.title"),
    body: t("unknownMember.body"),
    how: t("unknownMember.how", { name: name || "?" }),
    meanwhile: t("unknownMember.meanwhile"),
    enrol: t("enrolment.start"),
  } satisfies UnknownMemberCardData);
}

/** "2010-12-20" as French forms write it: "20/12/2010". */
function frenchDate(iso: string): string {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}
