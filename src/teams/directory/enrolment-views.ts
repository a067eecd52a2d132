import { MessageFactory, type Activity } from "botbuilder";
import type { Services } from "../../services/index.js";
import type { EnrolmentRecord, SchoolChoice } from "../../store/enrolments.js";
import type { RenderSpec } from "../../store/index.js";
import { cardMessage } from "../cards/card-message.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { formatDate } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";

/** Cards and words of self-enrolment and of the administration of people. */

export type DirectoryRender = Extract<RenderSpec, { view: "enrolmentRequest" | "enrolmentDecision" | "casesHandedOver" }>;

export function isDirectoryRender(spec: RenderSpec): spec is DirectoryRender {
  return spec.view === "enrolmentRequest" || spec.view === "enrolmentDecision" || spec.view === "casesHandedOver";
}

export function enrolmentFormCard(
  t: Translate,
  v: { query: string; schools: readonly SchoolChoice[]; fn: string; place: string; error: string; searched: boolean },
): AdaptiveCardJson {
  return renderCard("enrolment-form", {
    title: t("enrolment.form.title"),
    intro: t("enrolment.form.intro"),
    queryLabel: t("enrolment.form.queryLabel"),
    queryPlaceholder: t("enrolment.form.queryPlaceholder"),
    query: v.query,
    schoolLabel: t("enrolment.form.schoolLabel"),
    schools: v.schools.map((s) => ({ title: `${s.name} · ${s.city ?? ""} · ${s.uai}`.replace(/ · {2}/, " · "), value: s.id })),
    noSchool: v.searched && v.schools.length === 0 ? t("enrolment.form.noSchool", { query: v.query }) : "",
    placeLabel: t("enrolment.form.placeLabel"),
    placePlaceholder: t("enrolment.form.placePlaceholder"),
    place: v.place,
    functionLabel: t("enrolment.form.functionLabel"),
    functionPlaceholder: t("enrolment.form.functionPlaceholder"),
    function: v.fn,
    error: v.error,
    privacy: t("enrolment.form.privacy"),
    search: t("enrolment.form.search"),
    send: t("enrolment.form.send"),
  });
}

/** Where the request asks to work: the school, else the bassin, département or académie. */
export function placeOf(t: Translate, e: EnrolmentRecord): string {
  if (e.schoolName) return `${e.schoolName} (${e.schoolUai ?? ""})`;
  if (e.role === "ADMIN") return t("enrolment.request.academy");
  if (e.districtName) return e.districtName;
  return e.departmentCode ? t("enrolment.request.department", { code: e.departmentCode }) : "";
}

/** The approver's card: who asks, for what; Approve / Refuse while pending, the decision after. */
export function enrolmentRequestCard(t: Translate, locale: Locale, e: EnrolmentRecord, note = ""): AdaptiveCardJson {
  const pending = e.status === "PENDING";
  const decided = e.status === "APPROVED" || e.status === "REFUSED";
  const status = decided
    ? t(`enrolment.request.${e.status}`, { by: e.decidedByName ?? "?", date: e.decidedAt ? formatDate(e.decidedAt, locale) : "" })
    : e.status === "WITHDRAWN"
      ? t("enrolment.request.WITHDRAWN")
      : note;
  return renderCard("enrolment-request", {
    title: t("enrolment.request.title"),
    intro: t("enrolment.request.intro", { name: e.displayName }),
    facts: [
      { title: t("enrolment.request.name"), value: e.displayName },
      ...(e.email ? [{ title: t("enrolment.request.email"), value: e.email }] : []),
      { title: t("enrolment.request.function"), value: e.function },
      { title: t("enrolment.request.role"), value: t(`role.${e.role}`) },
      { title: t("enrolment.request.place"), value: placeOf(t, e) },
      { title: t("enrolment.request.asked"), value: formatDate(e.createdAt, locale) },
    ],
    status,
    statusColor: e.status === "APPROVED" ? "Good" : e.status === "REFUSED" ? "Attention" : "Warning",
    hint: pending ? t("enrolment.request.hint") : "",
    approve: pending ? t("enrolment.request.approve") : "",
    refuse: pending ? t("enrolment.request.refuse") : "",
    enrolmentId: e.id,
  });
}

export function enrolmentDecisionText(t: Translate, e: EnrolmentRecord): string | null {
  if (e.status !== "APPROVED" && e.status !== "REFUSED") return null;
  return t(e.status === "APPROVED" ? "enrolment.approved" : "enrolment.refused", {
    by: e.decidedByName ?? "?",
    role: t(`role.${e.role}`),
    school: placeOf(t, e),
  });
}

/** Renders the directory's queued messages when they are delivered (outbox-renderer.ts). */
export async function renderDirectoryOutgoing(spec: DirectoryRender, services: Services, t: Translate, locale: Locale): Promise<Partial<Activity> | null> {
  switch (spec.view) {
    case "casesHandedOver":
      return MessageFactory.text(
        t("enrolment.handedOver", { from: spec.fromName, count: spec.references.length, references: spec.references.slice(0, 40).join(", ") }),
      );
    case "enrolmentRequest": {
      const e = await services.enrolments.systemView(spec.enrolmentId);
      return e ? cardMessage(enrolmentRequestCard(t, locale, e)) : null;
    }
    case "enrolmentDecision": {
      const e = await services.enrolments.systemView(spec.enrolmentId);
      const text = e ? enrolmentDecisionText(t, e) : null;
      return text ? MessageFactory.text(text) : null;
    }
  }
}
