import { applyActionStatus, CLOSING_OUTCOMES } from "../../domain/plan-catalogue.js";
import { initials } from "../../domain/text.js";
import type { PlanView } from "../../services/plans.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { STATUS_COLOR, formatDate, type Audience, type Notice } from "./case-views.js";
import type { Locale, Translate } from "../i18n.js";
import { PLAN_LABEL_KEYS, type HistoryCardData, type PafiValidationCardData, type PlanCardData, type PlanLabelKey } from "../cards/card-data.js";
import type { CaseRecord } from "../../store/index.js";

const ACTION_STATUS_COLOR: Record<string, string> = { PLANNED: "Default", IN_PROGRESS: "Accent", DONE: "Good", ABANDONED: "Attention" };

const isoDay = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

/** The coordinator's plan card: the plan's actions with a button per possible change, and forms
 *  to add an action, record a review and close the case. One action at a time is edited inline
 *  (a form per action would push a long plan over Teams' 28 KB card limit). Input ids carry the
 *  form's key ("new", "edit") so that every id in the card is unique. */
/** What was typed in a plan form that was refused, shown again as it was (input name -> value). */
export type TypedPlanForm = { form: "new" | "edit" | "review" | "close"; actionId?: string; values: Record<string, string>; error?: string };

/** An agreement the plan card offers to record (the family form's field). */
export type AgreementField = "youngPersonAgreedAt" | "familyAgreedAt";

export function planCard(
  t: Translate,
  locale: Locale,
  v: PlanView,
  opts: { audience: Audience; notice?: Notice; editActionId?: string; typed?: TypedPlanForm; agreement?: AgreementField },
): AdaptiveCardJson {
  const c = v.case;
  const plan = v.plan;
  const typed = opts.typed;
  const kept = (form: TypedPlanForm["form"], field: string): string | undefined => (typed?.form === form ? typed.values[field] : undefined);
  const editActionId = typed?.form === "edit" ? typed.actionId : opts.editActionId;
  const editable = c.status === "PLAN_ACTIVE" || c.status === "REVIEW_DUE";
  // In a channel a plan shows counts and statuses only: its free texts (objective, descriptions,
  // companies) name people and places ("Entretien avec Théo et sa mère au CIO"). They are shown,
  // and edited, in personal chat.
  const showTexts = opts.audience === "personal";
  const name = opts.audience === "personal" && !c.pupil.anonymized ? `${c.pupil.firstName} ${c.pupil.lastName}` : initials(c.pupil.firstName, c.pupil.lastName);
  return renderCard("plan-card", {
    caseId: c.id,
    version: c.version,
    agreement: opts.agreement
      ? { field: opts.agreement, label: t(`familyContact.labels.${opts.agreement}`), confirm: t("familyContact.agreement.confirm") }
      : { field: "", label: "", confirm: "" },
    notice: opts.notice?.text ?? "",
    noticeColor: opts.notice?.color ?? "Default",
    title: t(v.owner === "MLDS" ? "plan.titleMlds" : "plan.title", { reference: c.reference }),
    statusLabel: t(`status.${c.status}`),
    statusColor: STATUS_COLOR[c.status],
    headline: `${c.school.name} · ${c.pupil.className ?? "—"} · ${name}`,
    showTexts,
    textsElsewhere: showTexts ? "" : t("protection.planTextsInPersonalChat"),
    facts: [
      ...(showTexts ? [{ title: t("plan.objective"), value: plan?.objective || t("plan.noObjective") }] : []),
      { title: t("plan.nextReview"), value: plan?.nextReviewAt ? formatDate(plan.nextReviewAt, locale) : t("plan.noReview") },
      { title: t("case.assignee"), value: c.assignee?.displayName ?? t("case.nobody") },
    ],
    reviewDue: c.status === "REVIEW_DUE" ? t("plan.reviewDue") : "",
    // Suggestions help to start a plan: once it has actions they are noise.
    suggestions:
      editable && v.suggestions.length && !plan?.actions.length
        ? t("plan.suggestions", { list: v.suggestions.map((s) => t(`plan.action.${s}`)).join(", ") })
        : "",
    actionsTitle: t("plan.actions", { count: plan?.actions.length ?? 0 }),
    noAction: t("plan.noAction"),
    editable,
    actions: (plan?.actions ?? []).map((a) => {
      const details = [
        a.startDate ? t("plan.from", { date: formatDate(a.startDate, locale) }) : "",
        a.endDate ? t("plan.to", { date: formatDate(a.endDate, locale) }) : "",
        a.partner ? t("plan.partnerLine", { partner: t(`plan.partner.${a.partner}`) }) : "",
        a.company ? t("plan.companyLine", { company: a.company }) : "",
        a.validation ? t(`plan.validation.${a.validation}`, { date: a.validatedAt ? formatDate(a.validatedAt, locale) : "" }) : "",
      ].filter(Boolean);
      const editing = editable && showTexts && a.id === editActionId;
      const field = (name: string, stored: string) => (editing ? (kept("edit", name) ?? stored) : stored);
      return {
        id: a.id,
        editing,
        editError: editing && typed?.form === "edit" ? (typed.error ?? "") : "",
        type: a.type,
        label: t(`plan.action.${a.type}`),
        description: showTexts ? a.description : "",
        editDescription: editing ? field("description", a.description) : "",
        // The validation is no free text: a channel sees it too.
        details: showTexts ? details.join(" · ") : a.validation ? details[details.length - 1]! : "",
        statusLabel: t(`plan.actionStatus.${a.status}`),
        statusColor: ACTION_STATUS_COLOR[a.status],
        canStart: applyActionStatus(a.status, "IN_PROGRESS").ok,
        canFinish: applyActionStatus(a.status, "DONE").ok,
        startDate: field("startDate", isoDay(a.startDate)),
        endDate: field("endDate", isoDay(a.endDate)),
        partner: field("partner", a.partner ?? ""),
        company: field("company", showTexts ? (a.company ?? "") : ""),
      };
    }),
    newType: kept("new", "type") ?? v.suggestions[0] ?? "",
    newAction: {
      description: kept("new", "description") ?? "",
      startDate: kept("new", "startDate") ?? "",
      endDate: kept("new", "endDate") ?? "",
      partner: kept("new", "partner") ?? "",
      company: kept("new", "company") ?? "",
      error: typed?.form === "new" ? (typed.error ?? "") : "",
    },
    closeForm: { outcome: kept("close", "outcome") ?? "", comment: kept("close", "comment") ?? "", error: typed?.form === "close" ? (typed.error ?? "") : "" },
    reviewError: typed?.form === "review" ? (typed.error ?? "") : "",
    // The plan owner's catalogue (the school's measures, or the MLDS's modules once the case was
    // referred), within the pupil's age.
    catalogue: v.catalogue.map((code) => ({ title: t(`plan.action.${code}`), value: code })),
    partners: v.partners.map((p) => ({ title: t(`plan.partner.${p}`), value: p })),
    outcomes: CLOSING_OUTCOMES.map((o) => ({ title: t(`plan.outcome.${o}`), value: o })),
    objective: kept("review", "objective") ?? (showTexts ? (plan?.objective ?? "") : ""),
    nextReviewAt: kept("review", "nextReviewAt") ?? isoDay(plan?.nextReviewAt ?? null),
    labels: Object.fromEntries(PLAN_LABEL_KEYS.map((k) => [k, t(`plan.labels.${k}`)])) as Record<PlanLabelKey, string>,
  } satisfies PlanCardData);
}

/** Free texts an event holds, shown under it to those who may read the case's details. */
const EVENT_TEXT: Record<string, string> = {
  INFO_REQUESTED: "question",
  INFO_ANSWERED: "answer",
  DISMISSED: "reason",
  REOPENED_BY_REPORT: "reason",
  TRANSFERRED: "reason",
  /** The history a case received from another académie carried (issue 26). */
  RECEIVED_FROM_ACADEMIE: "importedHistory",
};

export function historyCard(
  t: Translate,
  locale: Locale,
  reference: string,
  caseId: string,
  events: { type: string; at: Date; actorName: string | null; data?: Record<string, unknown> | null; reference?: string }[],
  opts: { texts: boolean } = { texts: false },
): AdaptiveCardJson {
  const when = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", {
    timeZone: "Europe/Paris",
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  return renderCard("history", {
    caseId,
    title: t("plan.history.title", { reference }),
    empty: t("plan.history.empty"),
    back: t("case.details.back"),
    events: events.map((e) => {
      // A closure names its outcome (a code from the catalogue, not a text anyone typed).
      const outcome = e.type === "CLOSED" && typeof e.data?.outcome === "string" ? e.data.outcome : null;
      const label = outcome
        ? t("plan.history.closedWith", { outcome: t(`plan.outcome.${outcome}`, { defaultValue: outcome }) })
        : t(`plan.history.event.${e.type}`, {
            defaultValue: e.type,
            // A GPDS decision names it (a code from a fixed list).
            decision: typeof e.data?.decision === "string" ? t(`gpds.decision.${e.data.decision}`, { defaultValue: e.data.decision }) : "",
            // A call of the MLDS campaign names its outcome (a code from a fixed list; its note stays private).
            call: typeof e.data?.outcome === "string" ? t(`calls.outcome.${e.data.outcome}`, { defaultValue: e.data.outcome }) : "",
            // A case sent to, or received from, another académie names it (issue 26).
            academie: typeof e.data?.academie === "string" ? e.data.academie : "",
          });
      const field = EVENT_TEXT[e.type];
      const text = opts.texts && field && typeof e.data?.[field] === "string" ? (e.data[field] as string) : "";
      // What was recorded about the family: its dates, and who met it (typed), in private only.
      const family = opts.texts && e.type === "FAMILY_RECORDED" && e.data ? familyEventDetail(t, locale, e.data) : "";
      const what = t("plan.history.by", { what: label, who: e.actorName ?? t("plan.history.system") });
      return {
        when: when.format(e.at),
        // An event of the young person's other case (services/timeline) names that case.
        what: e.reference ? t("plan.history.inCase", { reference: e.reference, what }) : what,
        detail: text ? t("plan.history.quoted", { text }) : family,
      };
    }),
  } satisfies HistoryCardData);
}

/** « informée le 16 novembre 2026 · rencontrée le 18 novembre 2026 (CPE) »: the fields an event recorded. */
function familyEventDetail(t: Translate, locale: Locale, data: Record<string, unknown>): string {
  const day = (k: string) => (typeof data[k] === "string" && /^\d{4}-\d{2}-\d{2}$/.test(data[k]) ? formatDate(new Date(`${data[k]}T12:00:00Z`), locale) : null);
  const parts: string[] = [];
  const informed = day("informedAt");
  const met = day("metAt");
  const young = day("youngPersonAgreedAt");
  const family = day("familyAgreedAt");
  if (informed) parts.push(t("familyContact.summary.informed", { date: informed }));
  if (met) parts.push(t("familyContact.summary.met", { date: met, by: typeof data.metBy === "string" ? data.metBy : "—" }));
  else if (typeof data.metBy === "string") parts.push(data.metBy);
  if (young) parts.push(t("familyContact.summary.youngPersonAgreed", { date: young }));
  if (family) parts.push(t("familyContact.summary.familyAgreed", { date: family }));
  return parts.join(" · ");
}

/** The card asking an IEN-IO to validate a PAFI: the case as the bassin sees it (initials, no
 *  notes), with Valider / Refuser, or the decision once taken. */
export function pafiValidationCard(
  t: Translate,
  c: CaseRecord,
  pending: { actionId: string | null; decided: string | null },
  notice?: Notice,
): AdaptiveCardJson {
  return renderCard("pafi-validation", {
    caseId: c.id,
    actionId: pending.actionId ?? "",
    title: t("plan.pafi.title", { reference: c.reference }),
    notice: notice?.text ?? "",
    noticeColor: notice?.color ?? "Default",
    body: t("plan.pafi.body", {
      school: c.school.name,
      className: c.pupil.className ?? "—",
      initials: initials(c.pupil.firstName, c.pupil.lastName),
    }),
    pending: pending.actionId !== null,
    decided: pending.actionId === null && pending.decided ? t(`plan.validation.${pending.decided}`, { date: "" }) : "",
    validate: t("plan.pafi.validate"),
    refuse: t("plan.pafi.refuse"),
  } satisfies PafiValidationCardData);
}
