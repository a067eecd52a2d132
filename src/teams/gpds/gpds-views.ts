import { atParis } from "../../domain/school-days.js";
import type { GpdsOutcome, GpdsSchedule } from "../../services/gpds.js";
import type { RenderSpec } from "../../store/index.js";
import type { GpdsAgendaCardData } from "../cards/card-data.js";
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

/** A meeting's agenda: new reports to examine and reviews due, references and initials only. */
export function gpdsAgendaCard(t: Translate, locale: Locale, spec: AgendaSpec): AdaptiveCardJson {
  return renderCard("gpds-agenda", {
    title: t("gpds.agenda.title", { school: spec.schoolName }),
    subtitle: t("gpds.agenda.subtitle", { date: formatDay(spec.date, locale) }),
    newTitle: t("gpds.agenda.newTitle"),
    noNew: t("gpds.agenda.noNew"),
    newCases: spec.newCases.map((c) => ({ reference: c.reference, line: t("gpds.agenda.newLine", { initials: c.initials }) })),
    reviewsTitle: t("gpds.agenda.reviewsTitle"),
    noReviews: t("gpds.agenda.noReviews"),
    reviews: spec.reviews.map((c) => ({
      reference: c.reference,
      line: t("gpds.agenda.reviewLine", { initials: c.initials, date: c.reviewDate ? formatDate(new Date(c.reviewDate), locale) : "—" }),
    })),
    hint: t("gpds.agenda.hint"),
    registerHint: spec.inSpace ? "" : t("gpds.agenda.register"),
  } satisfies GpdsAgendaCardData);
}
