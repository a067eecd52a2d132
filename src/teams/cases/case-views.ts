import { applyTransition, type CaseAction, type CaseStatus } from "../../domain/lifecycle.js";
import { MLDS_MIN_AGE, mayReferToMlds } from "../../domain/routing.js";
import { initials } from "../../domain/text.js";
import type { CaseRecord, InfoExchange, MemberSummary } from "../../store/index.js";
import type { FamilyRecord } from "../../domain/families.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import type { Locale, Translate } from "../i18n.js";
import { NO_CARD_PERMISSIONS, type CaseCardPermissions } from "../../services/case-cards.js";
import type {
  CaseCardData,
  CaseDetailsCardData,
  CaseTransferCardData,
  ClosureProposalCardData,
  InfoRequestCardData,
  NoticeCardData,
} from "../cards/card-data.js";
import { CLOSURE_NOTICE_DAYS } from "../../domain/idle-cases.js";

/** Cards about a case. The channel card is seen by every member of the channel: reference,
 *  school, class, initials, signal families, urgency and status, never a full name, a birth date
 *  or a note (README, « Data protection »). Personal chats of authorised people may show the pupil's name. */

export type Audience = "channel" | "personal";
export type Notice = { text: string; color: "Good" | "Attention" | "Warning" | "Accent" };
/** The family form as it was typed, when it was refused: shown again with the reason. */
export type TypedFamilyForm = { values: Partial<Record<keyof FamilyRecord, string>>; error: string };

/** The colour of a case status on every card, so that a status reads the same everywhere. */
export const STATUS_COLOR: Record<CaseStatus, string> = {
  NEW: "Attention",
  ACKNOWLEDGED: "Accent",
  INFO_REQUESTED: "Warning",
  PLAN_ACTIVE: "Good",
  REVIEW_DUE: "Warning",
  CLOSED: "Default",
};

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per language.
const DATE_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" }),
  en: new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", day: "numeric", month: "long", year: "numeric" }),
};

export function formatDate(d: Date, locale: Locale): string {
  return (DATE_FORMATS[locale] ?? DATE_FORMATS.fr).format(d);
}

/** What a triager (référent or coordinator) could do next; the server checks the caller anyway. */
function offered(status: CaseStatus, action: CaseAction): boolean {
  return applyTransition(status, action, "REFERENT").ok || applyTransition(status, action, "COORDINATOR").ok;
}

export function caseCard(
  t: Translate,
  locale: Locale,
  c: CaseRecord,
  opts: {
    audience: Audience;
    assignees: MemberSummary[];
    notice?: Notice;
    now: Date;
    /** The viewer's own permissions on the case (services.caseCards): buttons only where they hold.
     *  Absent: what the case's status offers, for the person a personal chat belongs to. */
    permitted?: CaseCardPermissions;
    /** A channel card: the Teams user ids its per-person view is refreshed for (at most 60). */
    refreshUserIds?: string[];
    /** The card as sent to a channel: read-only, with one button that asks for the person's own view. */
    myActions?: boolean;
    /** Whether the caller may record what was done with the family (permissions: RECORD_FAMILY). */
    mayRecordFamily?: boolean;
    /** Whether the caller may reopen the case when it is closed (permissions: CLOSE_CASE). */
    mayReopen?: boolean;
    /** Whether the caller may transfer the case to another school (services.transfers.mayTransfer). */
    mayTransfer?: boolean;
    familyTyped?: TypedFamilyForm;
  },
): AdaptiveCardJson {
  const flags: string[] = [];
  if (c.infoRequest) flags.push(c.infoRequest.answered ? t("case.answerReceived") : t("case.infoPending"));
  // Where the case stands between the school's GPDS and the MLDS (age at the report date).
  if (c.escalatedToMlds) flags.push(c.referredAt ? t("case.referredOn", { date: formatDate(c.referredAt, locale) }) : t("case.escalated"));
  else if (c.ageAtReport !== null && c.ageAtReport < MLDS_MIN_AGE) flags.push(t("case.gpdsOnly"));
  else if (c.status !== "CLOSED") flags.push(t("case.awaitingGpds"));
  // Cases reported before the form asked for the birth date: the GPDS completes it.
  if (opts.audience === "personal" && c.pupil.birthDate === null && !c.pupil.anonymized) flags.push(t("case.birthDateMissing"));
  const open = c.status !== "CLOSED";
  const p = opts.permitted;
  const can = {
    details: p ? p.details : true,
    myActions: opts.myActions === true,
    takeCharge: offered(c.status, "TAKE_CHARGE") && (p?.triage ?? true),
    openPlan: offered(c.status, "OPEN_PLAN") && (p?.triage ?? true),
    viewPlan: (c.status === "PLAN_ACTIVE" || c.status === "REVIEW_DUE") && (p?.plan ?? true),
    assign: offered(c.status, "ASSIGN") && opts.assignees.length > 0 && (p?.triage ?? true),
    requestInfo: offered(c.status, "REQUEST_INFO") && c.reporterIds.length > 0 && (p?.triage ?? true),
    dismiss: offered(c.status, "DISMISS") && (p?.close ?? true),
    // The GPDS's referral, offered to its référent and chef d'établissement (personal chats) for a
    // pupil who may be referred today; the server checks the caller and the ages again.
    escalate: open && opts.audience === "personal" && !c.escalatedToMlds && mayReferToMlds(c.pupil.birthYear, c.pupil.birthDate, opts.now).ok,
    setBirthDate: open && opts.audience === "personal" && c.pupil.birthDate === null && !c.pupil.anonymized,
    recordFamily: open && opts.audience === "personal" && opts.mayRecordFamily === true && !c.pupil.anonymized,
    // Reopened by who may close it (its follower among them), from a personal chat, while it still names the pupil.
    reopen: !open && opts.audience === "personal" && (p?.close ?? true) && opts.mayReopen === true && !c.pupil.anonymized,
    // Transferred by who follows it at its school or bassin, from a personal chat (issue 26).
    transfer: open && opts.audience === "personal" && opts.mayTransfer === true && !c.pupil.anonymized,
  };
  return renderCard("case-card", {
    caseId: c.id,
    version: c.version,
    reference: c.reference,
    statusLabel: t(`status.${c.status}`),
    statusColor: STATUS_COLOR[c.status],
    notice: opts.notice?.text ?? "",
    noticeColor: opts.notice?.color ?? "Default",
    headline: t("case.headline", { school: c.school.name, className: c.pupil.className ?? "—", initials: initials(c.pupil.firstName, c.pupil.lastName) }),
    pupilName: opts.audience === "personal" && !c.pupil.anonymized ? `${c.pupil.firstName} ${c.pupil.lastName}` : "",
    facts: [
      { title: t("case.signals"), value: c.families.map((f) => t(`family.${f}`)).join(", ") || "—" },
      { title: t("case.urgency"), value: t(`urgency.short${c.urgency}`) },
      { title: t("case.assignee"), value: c.assignee?.displayName ?? t("case.nobody") },
      { title: t("case.reportedOn"), value: formatDate(c.createdAt, locale) },
    ],
    flags: flags.join("   "),
    refresh: { on: opts.refreshUserIds !== undefined, userIds: opts.refreshUserIds ?? [] },
    showActions: (open || can.reopen) && Object.values(can).some(Boolean),
    can,
    // Contacts with the family are the GPDS's business: not in a channel.
    family: opts.audience === "personal" ? familyLine(t, locale, c.family) : "",
    familyForm: familyFormOf(c.family, opts.audience === "personal" ? opts.familyTyped : undefined),
    assignees: opts.assignees.map((m) => ({ title: m.displayName, value: m.id })),
    labels: {
      takeCharge: t("case.labels.takeCharge"),
      openPlan: t("case.labels.openPlan"),
      viewPlan: t("case.labels.viewPlan"),
      details: t("case.labels.details"),
      myActions: t("native.myActions"),
      assign: t("case.labels.assign"),
      assignTo: t("case.labels.assignTo"),
      assignConfirm: t("case.labels.assignConfirm"),
      requestInfo: t("case.labels.requestInfo"),
      question: t("case.labels.question"),
      questionPlaceholder: t("case.labels.questionPlaceholder"),
      send: t("case.labels.send"),
      dismiss: t("case.labels.dismiss"),
      reason: t("case.labels.reason"),
      reasonPlaceholder: t("case.labels.reasonPlaceholder"),
      dismissConfirm: t("case.labels.dismissConfirm"),
      reopen: t("case.labels.reopen"),
      reopenReason: t("case.labels.reopenReason"),
      reopenConfirm: t("case.labels.reopenConfirm"),
      transfer: t("case.labels.transfer"),
      transferSearch: t("case.transfer.search"),
      transferSearchConfirm: t("case.transfer.searchConfirm"),
      escalate: t("case.labels.refer"),
      setBirthDate: t("case.labels.setBirthDate"),
      birthDate: t("case.labels.birthDate"),
      birthDatePlaceholder: t("report.pupil.birthDatePlaceholder"),
      birthDateConfirm: t("case.labels.birthDateConfirm"),
      required: t("case.labels.required"),
      family: {
        title: t("familyContact.labels.title"),
        intro: t("familyContact.labels.intro"),
        informedAt: t("familyContact.labels.informedAt"),
        metAt: t("familyContact.labels.metAt"),
        metBy: t("familyContact.labels.metBy"),
        metByPlaceholder: t("familyContact.labels.metByPlaceholder"),
        youngPersonAgreedAt: t("familyContact.labels.youngPersonAgreedAt"),
        familyAgreedAt: t("familyContact.labels.familyAgreedAt"),
        confirm: t("familyContact.labels.confirm"),
      },
    },
  } satisfies CaseCardData);
}

/** The case card as sent to a channel: no button but « Afficher mes actions », and the refresh that
 *  gives each listed person their own view. */
export function caseChannelCard(t: Translate, locale: Locale, c: CaseRecord, opts: { refreshUserIds: string[]; now: Date }): AdaptiveCardJson {
  return caseCard(t, locale, c, {
    audience: "channel",
    assignees: [],
    now: opts.now,
    permitted: NO_CARD_PERMISSIONS,
    refreshUserIds: opts.refreshUserIds,
    myActions: c.status !== "CLOSED",
  });
}

/** « Famille informée le 3 novembre 2026 · rencontrée le 10 novembre 2026 (CPE) · accord du jeune le … ». */
export function familyLine(t: Translate, locale: Locale, f: FamilyRecord): string {
  const parts = [f.informedAt ? t("familyContact.summary.informed", { date: formatDate(f.informedAt, locale) }) : t("familyContact.summary.notInformed")];
  if (f.metAt) parts.push(t("familyContact.summary.met", { date: formatDate(f.metAt, locale), by: f.metBy ?? "—" }));
  if (f.youngPersonAgreedAt) parts.push(t("familyContact.summary.youngPersonAgreed", { date: formatDate(f.youngPersonAgreedAt, locale) }));
  if (f.familyAgreedAt) parts.push(t("familyContact.summary.familyAgreed", { date: formatDate(f.familyAgreedAt, locale) }));
  return parts.join(" · ");
}

function familyFormOf(f: FamilyRecord, typed?: TypedFamilyForm): CaseCardData["familyForm"] {
  const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");
  const v = typed?.values ?? {};
  return {
    informedAt: v.informedAt ?? day(f.informedAt),
    metAt: v.metAt ?? day(f.metAt),
    metBy: v.metBy ?? f.metBy ?? "",
    youngPersonAgreedAt: v.youngPersonAgreedAt ?? day(f.youngPersonAgreedAt),
    familyAgreedAt: v.familyAgreedAt ?? day(f.familyAgreedAt),
    error: typed?.error ?? "",
  };
}

export function caseDetailsCard(t: Translate, locale: Locale, c: CaseRecord, exchanges: InfoExchange[] = []): AdaptiveCardJson {
  const facts = [
    { title: t("case.details.pupil"), value: c.pupil.anonymized ? "—" : `${c.pupil.firstName} ${c.pupil.lastName}` },
    { title: t("case.details.birthYear"), value: String(c.pupil.birthYear) },
    { title: t("case.details.class"), value: c.pupil.className ?? "—" },
    { title: t("case.details.school"), value: `${c.school.name} (${c.school.uai})` },
    { title: t("case.details.status"), value: t(`status.${c.status}`) },
    { title: t("case.details.urgency"), value: t(`urgency.${c.urgency}`) },
    { title: t("case.reportedOn"), value: formatDate(c.createdAt, locale) },
  ];
  if (c.absenceHalfDays !== null) facts.push({ title: t("case.details.halfDays"), value: String(c.absenceHalfDays) });
  if (c.stepsTaken.length) facts.push({ title: t("case.details.steps"), value: c.stepsTaken.map((s) => t(`stepTaken.${s}`)).join(", ") });
  return renderCard("case-details", {
    caseId: c.id,
    title: t("case.details.title", { reference: c.reference }),
    privacy: t("case.details.privacy"),
    facts,
    signalsTitle: t("case.details.signals"),
    signals: c.signals.map((s) => ({ title: t(`signal.${s.code}`), value: s.note ?? "✓" })),
    observationsTitle: t("case.details.observations"),
    observations: c.observations,
    exchangesTitle: t("case.details.exchanges"),
    exchanges: exchanges.map((x) => ({
      question: t("case.details.question", { name: x.askedBy ?? "—", date: formatDate(x.askedAt, locale) }),
      questionText: x.question ?? "—",
      answer: x.answer ? t("case.details.answer", { name: x.answer.by ?? "—", date: formatDate(x.answer.at, locale) }) : t("case.details.noAnswer"),
      answerText: x.answer ? (x.answer.text ?? "—") : "",
    })),
    back: t("case.details.back"),
  } satisfies CaseDetailsCardData);
}

export function infoRequestCard(
  t: Translate,
  c: CaseRecord,
  question: string,
  askerName: string,
  typed: { answer: string; error: string } = { answer: "", error: "" },
): AdaptiveCardJson {
  return renderCard("info-request", {
    caseId: c.id,
    answer: typed.answer,
    error: typed.error,
    title: t("case.reporterNotice.INFO_REQUEST.title", { reference: c.reference }),
    intro: t("case.reporterNotice.INFO_REQUEST.intro", { name: askerName }),
    question,
    answerLabel: t("case.reporterNotice.INFO_REQUEST.answer"),
    privacy: t("case.reporterNotice.INFO_REQUEST.privacy"),
    send: t("case.reporterNotice.INFO_REQUEST.send"),
    required: t("case.labels.required"),
  } satisfies InfoRequestCardData);
}

export function noticeCard(title: string, body = "", color: Notice["color"] = "Good"): AdaptiveCardJson {
  return renderCard("notice", { title, body, color } satisfies NoticeCardData);
}

/** The daily job's proposal to close an idle case « perdu de vue », in the personal chat of one
 *  follower: the pupil named for who may read the case's details, initials otherwise. Pending while
 *  the case is open and the proposal stands; `decided` once answered. */
export function closureProposalCard(
  t: Translate,
  locale: Locale,
  c: CaseRecord,
  opts: { reason: "IDLE" | "AGE"; months: number; named: boolean; decided?: string; notice?: Notice },
): AdaptiveCardJson {
  const pending = opts.decided === undefined && c.status !== "CLOSED" && c.closureProposedAt !== null;
  const who = opts.named ? `${c.pupil.firstName} ${c.pupil.lastName}` : initials(c.pupil.firstName, c.pupil.lastName);
  const deadline = c.closureProposedAt ? new Date(c.closureProposedAt.getTime() + CLOSURE_NOTICE_DAYS * 86_400_000) : null;
  return renderCard("closure-proposal", {
    caseId: c.id,
    version: c.version,
    reason: opts.reason,
    months: opts.months,
    notice: opts.notice?.text ?? "",
    noticeColor: opts.notice?.color ?? "Default",
    title: t("closure.title", { reference: c.reference }),
    pupil: t("closure.pupil", { name: who, className: c.pupil.className ?? "—", school: c.school.name }),
    question: t(`closure.question.${opts.reason}`, { months: opts.months }),
    deadline: pending && deadline ? t("closure.deadline", { date: formatDate(deadline, locale) }) : "",
    pending,
    decided: opts.decided ?? (c.status === "CLOSED" ? t("closure.alreadyClosed") : pending ? "" : t("closure.withdrawn")),
    close: t("closure.close"),
    keep: t("closure.keep"),
  } satisfies ClosureProposalCardData);
}

/** The transfer form (issue 26): a school of the académie found by what was typed, and the reason.
 *  `typed`: what the caller typed, shown again after a refusal (nothing is lost). */
export function caseTransferCard(
  t: Translate,
  c: CaseRecord,
  opts: {
    query: string;
    schools: { id: string; name: string; uai: string; city: string | null }[];
    searched: boolean;
    typed?: { school: string; reason: string };
    notice?: Notice;
  },
): AdaptiveCardJson {
  const schools = opts.schools.map((s) => ({ title: [s.name, s.uai, s.city].filter(Boolean).join(" – "), value: s.id }));
  const data: CaseTransferCardData = {
    caseId: c.id,
    version: c.version,
    title: t("case.transfer.title", { reference: c.reference }),
    intro: t("case.transfer.intro"),
    notice: opts.notice?.text ?? "",
    noticeColor: opts.notice?.color ?? "Default",
    query: opts.query,
    hasSchools: schools.length > 0,
    noSchool: opts.searched && schools.length === 0 ? t("case.transfer.noSchool", { query: opts.query }) : "",
    schools,
    school: opts.typed && schools.some((s) => s.value === opts.typed!.school) ? opts.typed.school : schools.length === 1 ? schools[0]!.value : "",
    reason: opts.typed?.reason ?? "",
    labels: {
      search: t("case.transfer.search"),
      searchConfirm: t("case.transfer.searchConfirm"),
      school: t("case.transfer.school"),
      reason: t("case.transfer.reason"),
      confirm: t("case.transfer.confirm"),
    },
  };
  return renderCard("case-transfer", data);
}
