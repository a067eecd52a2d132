import { MessageFactory, type Activity } from "botbuilder";
import type { Services } from "../../services/index.js";
import type { RenderSpec, StoredConversation } from "../../store/index.js";
import { cardMessage } from "../cards/card-message.js";
import { caseCard, caseChannelCard, caseDetailsCard, closureProposalCard, formatDate, infoRequestCard, noticeCard } from "../cases/case-views.js";
import { CLOSURE_NOTICE_DAYS } from "../../domain/idle-cases.js";
import { historyCard, pafiValidationCard, planCard } from "../cases/plan-views.js";
import { resolveLocale, translator, type Locale } from "../i18n.js";
import { importSummaryCard } from "../imports/import-views.js";
import { weeklyDigestCard } from "../stats/stats-views.js";
import { isDirectoryRender, renderDirectoryOutgoing } from "../directory/enrolment-views.js";
import { ownerlessReportText, ownerlessSchoolsText } from "../directory/school-directory-views.js";
import { renderGpdsOutgoing } from "../gpds/gpds-outgoing.js";

export type OutboxRenderDeps = { services: Services; defaultLocale: Locale; forceLocale?: Locale; clock: () => Date };

/** Renders a queued message when it is delivered, in the language of the conversation it goes
 *  to, with the case as it is at that moment. Null: nothing to send any more. */
export async function renderOutgoing(spec: RenderSpec, conversation: StoredConversation, deps: OutboxRenderDeps): Promise<Partial<Activity> | null> {
  const locale = resolveLocale(conversation.reference.locale as string | undefined, deps.defaultLocale, deps.forceLocale);
  const t = translator(locale);
  // The weekly digest is about no case: its counts travel in the spec.
  if (spec.view === "weeklyDigest") return cardMessage(weeklyDigestCard(t, locale, spec));
  // Nor is an import summary; routing sent it to a personal chat because its owner is a référent
  // of the schools it counts.
  if (spec.view === "importSummary") return cardMessage(importSummaryCard(t, spec, conversation.kind === "PERSONAL" ? "personal" : "channel"));
  if (isDirectoryRender(spec)) return renderDirectoryOutgoing(spec, deps.services, t, locale);
  if (spec.view === "ownerlessSchools") return MessageFactory.text(ownerlessSchoolsText(t, spec));
  // A GPDS agenda: references and initials, computed when it was claimed.
  if (spec.view === "gpdsAgenda" || spec.view === "gpdsSummary") return renderGpdsOutgoing(spec, conversation, deps.services, t, locale);
  const c = await deps.services.triage.systemView(spec.caseId);
  if (!c) return null;
  /** What the owner of this personal chat may do on the case beyond what its status offers: record
   *  what was done with the family, transfer it to another school. */
  const personalRights = async (conv: StoredConversation, caseRecord: NonNullable<typeof c>): Promise<{ mayRecordFamily: boolean; mayTransfer: boolean }> => {
    if (conv.kind !== "PERSONAL") return { mayRecordFamily: false, mayTransfer: false };
    const owner = await deps.services.members.identify(conv.tenantId ?? undefined, conv.aadObjectId ?? undefined);
    if (!owner) return { mayRecordFamily: false, mayTransfer: false };
    return {
      mayRecordFamily: deps.services.triage.may(owner, "RECORD_FAMILY", caseRecord),
      mayTransfer: deps.services.transfers.mayTransfer(owner, caseRecord),
    };
  };
  switch (spec.view) {
    case "caseCard": {
      // Routing sent it to this personal chat because its owner is responsible for the case.
      if (conversation.kind === "PERSONAL") {
        const rights = await personalRights(conversation, c);
        return cardMessage(caseCard(t, locale, c, { audience: "personal", assignees: await deps.services.triage.assignees(c), now: deps.clock(), ...rights }));
      }
      // A channel sees the read-only card; Teams asks the bot for the view of each person who may
      // act on the case (refresh), with the buttons their role permits (src/teams/cases/case-actions.ts).
      return cardMessage(caseChannelCard(t, locale, c, { refreshUserIds: await deps.services.caseCards.refreshUserIds(c), now: deps.clock() }));
    }
    case "assigned": {
      const card = caseCard(t, locale, c, {
        audience: "personal",
        ...(await personalRights(conversation, c)),
        assignees: await deps.services.triage.assignees(c),
        now: deps.clock(),
        notice: { text: t("case.assigned", { reference: c.reference }), color: "Accent" },
      });
      return cardMessage(card);
    }
    case "reportAdded": {
      const reporter = await deps.services.members.byId(spec.reporterId);
      const families = spec.families.map((f) => t(`family.${f}`)).join(", ");
      return MessageFactory.text(t("case.reportAdded", { reference: c.reference, name: reporter?.displayName ?? "—", families, urgency: spec.urgency }));
    }
    case "planReminder": {
      const view = await deps.services.plans.viewOf(c);
      return cardMessage(
        planCard(t, locale, view, { audience: "personal", notice: { text: t("plan.reminder", { reference: c.reference }), color: "Warning" } }),
      );
    }
    case "closureProposal":
    case "closedLostContact": {
      // Only to the follower it is for, while they may still close the case.
      const owner =
        conversation.kind === "PERSONAL"
          ? await deps.services.members.identify(conversation.tenantId ?? undefined, conversation.aadObjectId ?? undefined)
          : null;
      if (!owner || owner.memberId !== spec.memberId || !deps.services.triage.may(owner, "CLOSE_CASE", c)) return null;
      if (spec.view === "closedLostContact")
        return MessageFactory.text(t("closure.closedAutomatically", { reference: c.reference, days: CLOSURE_NOTICE_DAYS }));
      if (c.status === "CLOSED" || c.closureProposedAt === null) return null;
      const named = deps.services.triage.may(owner, "VIEW_DETAILS", c);
      return cardMessage(closureProposalCard(t, locale, c, { reason: spec.reason, months: spec.months, named }));
    }
    case "caseDetails":
    case "caseHistory": {
      // Only to the personal chat of the member who asked, if they may still see it now.
      const owner =
        conversation.kind === "PERSONAL"
          ? await deps.services.members.identify(conversation.tenantId ?? undefined, conversation.aadObjectId ?? undefined)
          : null;
      if (!owner || owner.memberId !== spec.memberId) return null;
      if (spec.view === "caseDetails") {
        const details = await deps.services.triage.detailsFor(owner, c.id);
        return details ? cardMessage(caseDetailsCard(t, locale, details.case, details.exchanges)) : null;
      }
      const history = await deps.services.plans.historyFor(owner, c.id);
      // A personal chat: the free texts of the events for those who may read the details.
      const texts = history ? deps.services.triage.may(owner, "VIEW_DETAILS", history.case) : false;
      return history ? cardMessage(historyCard(t, locale, history.case.reference, history.case.id, history.events, { texts })) : null;
    }
    case "pafiValidation": {
      // Only to the IEN-IO it is for, while they may still decide it.
      const owner =
        conversation.kind === "PERSONAL"
          ? await deps.services.members.identify(conversation.tenantId ?? undefined, conversation.aadObjectId ?? undefined)
          : null;
      if (!owner || owner.memberId !== spec.memberId) return null;
      const pending = await deps.services.plans.pendingValidation(owner, c.id);
      return pending?.actionId ? cardMessage(pafiValidationCard(t, pending.case, pending)) : null;
    }
    case "caseTransferred":
      // The card where the case was: a read-only line, the reference and the day, no destination.
      return cardMessage(
        noticeCard(t("case.transfer.card", { reference: c.reference, date: formatDate(new Date(spec.at), locale) }), t("case.transfer.cardBody"), "Accent"),
      );
    case "transferNotice":
      return MessageFactory.text(
        spec.named
          ? t("case.reporterNotice.TRANSFERRED_NAMED", { reference: c.reference, school: c.school.name })
          : t("case.reporterNotice.TRANSFERRED", { reference: c.reference }),
      );
    case "ownerlessReport":
      return MessageFactory.text(ownerlessReportText(t, c.reference, spec));
    case "reporterNotice": {
      if (spec.notice === "INFO_REQUEST") {
        if (!c.infoRequest) return null;
        const asker = c.infoRequest.askedById ? await deps.services.members.byId(c.infoRequest.askedById) : null;
        return cardMessage(infoRequestCard(t, c, c.infoRequest.question, asker?.displayName ?? "—"));
      }
      const name = c.assignee?.displayName ?? "—";
      return MessageFactory.text(t(`case.reporterNotice.${spec.notice}`, { reference: c.reference, name }));
    }
  }
}
