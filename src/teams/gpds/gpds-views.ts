import { atParis } from "../../domain/school-days.js";
import type { GpdsOutcome, GpdsSchedule } from "../../services/gpds.js";
import { GPDS_DECISIONS, type GpdsAgendaView, type GpdsDecisionLine, type GpdsSummary } from "../../services/gpds-meetings.js";
import type { RenderSpec } from "../../store/index.js";
import type { GpdsAgendaCardData, GpdsAgendaLineData, GpdsSummaryCardData } from "../cards/card-data.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { formatDate } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";

type AgendaSpec = Extract<RenderSpec, { view: "gpdsAgenda" }>;

/** A calendar day ("YYYY-MM-DD") as people read it: « mardi 12 janvier 2027 ». */
export function formatDay(day: string, locale: Locale): string {
  return DAY_FORMATS[locale].format(atParis(day, 12));
}

const DAY_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric" }),
};

/** The school's next GPDS dates and where the agenda goes. */
export function scheduleText(t: Translate, locale: Locale, schedule: GpdsSchedule): string {
  const dates = schedule.meetings.length ? schedule.meetings.map((d) => formatDay(d, locale)).join(", ") : t("gpds.noMeeting");
  const space = t(`gpds.space.${schedule.space === null || schedule.space === "PERSONAL" ? "none" : schedule.space}`);
  return t("gpds.schedule", { school: schedule.school.name, dates, space });
}

/** The answer to a `gpds …` command. */
export function gpdsAnswer(t: Translate, locale: Locale, outcome: GpdsOutcome): string {
  if (!outcome.ok) {
    switch (outcome.reason) {
      case "FORBIDDEN":
        return t("gpds.forbidden");
      case "NO_SCHOOL":
        return t("gpds.noSchool");
      case "UNKNOWN_SCHOOL":
        return t("gpds.unknownSchool", { uai: outcome.uai });
      case "NOT_A_SPACE":
        return t("gpds.notASpace");
      case "NOTHING_TO_ADD":
        return t("gpds.usage");
      case "WHICH_SCHOOL":
        return t("gpds.whichSchool", { example: outcome.schools[0]?.uai ?? "", schools: outcome.schools.map((s) => `${s.name} (${s.uai})`).join(", ") });
    }
  }
  const lines: string[] = [];
  if (outcome.done === "added") lines.push(t("gpds.added", { count: outcome.count }));
  if (outcome.done === "cancelled") lines.push(t("gpds.cancelled", { count: outcome.count }));
  if (outcome.done === "recurring" && outcome.refused.length === 0) lines.push(t("gpds.recurring", { count: outcome.count, weeks: outcome.everyWeeks }));
  if (outcome.done === "spaceRegistered") lines.push(t("gpds.spaceRegistered", { school: outcome.schedule.school.name }));
  for (const r of outcome.refused) lines.push(t(`gpds.refused.${r.problem}`, { date: formatDay(r.date, locale) }));
  lines.push(scheduleText(t, locale, outcome.schedule));
  return lines.join("\n\n");
}

/** A meeting's agenda: new reports to examine and reviews due, references and initials only (the
 *  card goes to the GPDS space, seen by all its members), each line with its decision or, while the
 *  séance is open, a choice to take it; who attended. Without the meeting's state (`live`), the
 *  lines computed when the agenda was claimed, without choices. */
export function gpdsAgendaCard(
  t: Translate,
  locale: Locale,
  spec: AgendaSpec,
  live?: { view: GpdsAgendaView; notice?: { text: string; color: "Good" | "Warning" | "Attention" | "Accent" } },
): AdaptiveCardJson {
  const view = live?.view;
  const open = view !== undefined && view.meeting.closedAt === null;
  const choices = GPDS_DECISIONS.map((d) => ({ title: t(`gpds.decision.${d}`), value: d }));
  const lineOf = (l: GpdsAgendaView["lines"][number]): GpdsAgendaLineData => ({
    reference: l.reference,
    line: l.review
      ? t("gpds.agenda.reviewLine", { initials: l.initials, date: l.reviewAt ? formatDate(l.reviewAt, locale) : "—" })
      : t("gpds.agenda.newLine", { initials: l.initials }),
    decided: l.decision ? decisionText(t, locale, l.decision) : "",
    inputId: open && !l.decision ? `decision_${l.caseId}` : "",
    label: t("gpds.agenda.decisionLabel", { reference: l.reference }),
    placeholder: t("gpds.agenda.decisionPlaceholder"),
    // The referral only where the rule allows it (the service checks it again).
    choices: l.referable ? choices : choices.filter((c) => c.value !== "REFER_TO_MLDS"),
  });
  const fromSpec = (c: { reference: string; initials: string; reviewDate?: string }, review: boolean): GpdsAgendaLineData => ({
    reference: c.reference,
    line: review
      ? t("gpds.agenda.reviewLine", { initials: c.initials, date: c.reviewDate ? formatDate(new Date(c.reviewDate), locale) : "—" })
      : t("gpds.agenda.newLine", { initials: c.initials }),
    decided: "",
    inputId: "",
    label: "",
    placeholder: "",
    choices: [],
  });
  const attendees = view ? view.members.filter((m) => view.meeting.attendeeIds.includes(m.id)) : [];
  return renderCard("gpds-agenda", {
    notice: live?.notice?.text ?? "",
    noticeColor: live?.notice?.color ?? "Default",
    title: t("gpds.agenda.title", { school: spec.schoolName }),
    subtitle: t("gpds.agenda.subtitle", { date: formatDay(spec.date, locale) }),
    closedText: view?.meeting.closedAt ? t("gpds.agenda.closed") : "",
    newTitle: t("gpds.agenda.newTitle"),
    noNew: t("gpds.agenda.noNew"),
    newCases: view ? view.lines.filter((l) => !l.review).map(lineOf) : spec.newCases.map((c) => fromSpec(c, false)),
    reviewsTitle: t("gpds.agenda.reviewsTitle"),
    noReviews: t("gpds.agenda.noReviews"),
    reviews: view ? view.lines.filter((l) => l.review).map(lineOf) : spec.reviews.map((c) => fromSpec(c, true)),
    attendanceTitle: view ? t("gpds.agenda.attendanceTitle") : "",
    attendeesText: view && !open ? (attendees.length ? attendees.map((m) => m.displayName).join(", ") : t("gpds.agenda.noAttendees")) : "",
    attendanceLabel: t("gpds.agenda.attendanceLabel"),
    attendees: open ? view.meeting.attendeeIds.join(",") : "",
    attendeeChoices: open ? view.members.map((m) => ({ title: `${m.displayName} · ${t(`role.${m.role}`)}`, value: m.id })) : [],
    hint: open ? t("gpds.agenda.decideHint") : t("gpds.agenda.hint"),
    registerHint: spec.inSpace ? "" : t("gpds.agenda.register"),
    meetingId: open ? view.meeting.id : "",
    saveLabel: t("gpds.agenda.save"),
    closeLabel: t("gpds.agenda.close"),
  } satisfies GpdsAgendaCardData);
}

/** A decision as a line shows it: « Poursuivre la vigilance · prochain examen le 26 janv. 2027 ». */
function decisionText(t: Translate, locale: Locale, d: NonNullable<GpdsDecisionLine["decision"]>): string {
  const label = t(`gpds.decision.${d.decision}`, { defaultValue: d.decision });
  return d.reviewDay ? t("gpds.agenda.decidedWithReview", { decision: label, date: formatDay(d.reviewDay, locale) }) : label;
}

/** A closed meeting's summary: the decisions, with names in a member's personal chat, initials in
 *  the GPDS space. */
export function gpdsSummaryCard(t: Translate, locale: Locale, summary: GpdsSummary): AdaptiveCardJson {
  return renderCard("gpds-summary", {
    title: t("gpds.summary.title", { school: summary.meeting.schoolName }),
    subtitle: t("gpds.agenda.subtitle", { date: formatDay(summary.meeting.date, locale) }),
    attendeesText: t("gpds.summary.attendees", {
      names: summary.attendees.length ? summary.attendees.map((m) => m.displayName).join(", ") : t("gpds.agenda.noAttendees"),
    }),
    decisionsTitle: t("gpds.summary.decisionsTitle"),
    noLines: t("gpds.summary.noLines"),
    lines: summary.lines.map((l) => {
      const who = summary.names && l.lastName ? `${l.firstName} ${l.lastName}` : l.initials;
      const what = l.decision ? decisionText(t, locale, l.decision) : t("gpds.summary.undecided");
      return { title: l.reference, value: `${who} · ${what}` };
    }),
    hint: summary.names ? t("gpds.summary.hintPersonal") : t("gpds.summary.hintSpace"),
    plans: summary.names
      ? summary.lines
          .filter((l) => l.decision?.decision === "SCHOOL_MEASURES" && l.lastName)
          .map((l) => ({ title: t("gpds.summary.viewPlan", { reference: l.reference }), caseId: l.caseId }))
      : [],
  } satisfies GpdsSummaryCardData);
}
