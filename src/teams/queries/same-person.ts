import { z } from "zod";
import type { SamePersonQuestion } from "../../services/queries.js";
import type { CardActionRequest } from "../cards/card-action.js";
import type { SamePersonCardData } from "../cards/card-data.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { noticeCard } from "../cases/case-views.js";
import type { Translate } from "../i18n.js";

/** « Même élève ? » (issue 26): the question asked in the personal chat of who may see both cases
 *  in detail, under the status card of `statut D-…`, and its answer (Action.Execute
 *  case.samePerson). Who may answer is decided again by the service on every click. */

/** The card's data: two case ids and the answer, nothing else (a forged invoke is parsed first). */
export const SamePersonActionData = z.object({
  caseId: z.uuid(),
  otherCaseId: z.uuid(),
  same: z.enum(["yes", "no"]),
});
export type SamePersonActionData = z.infer<typeof SamePersonActionData>;

/** The questions about the case `reference`; `notice` says what the last answer did. */
export function samePersonCard(
  t: Translate,
  reference: string,
  questions: readonly SamePersonQuestion[],
  notice: { text: string; color: SamePersonCardData["noticeColor"] } | null = null,
): AdaptiveCardJson {
  return renderCard("same-person", {
    notice: notice?.text ?? "",
    noticeColor: notice?.color ?? "Default",
    title: t("samePerson.title"),
    intro: questions.length > 0 ? t("samePerson.intro", { reference }) : "",
    questions: questions.map((q) => ({
      text: t(q.otherHasBirthDate ? "samePerson.line" : "samePerson.lineNoDate", {
        reference: q.otherReference,
        school: q.otherSchoolName,
        name: q.otherName,
        year: q.otherBirthYear,
        status: t(`status.${q.otherStatus}`),
      }),
      caseId: q.caseId,
      otherCaseId: q.otherCaseId,
      yes: t("samePerson.yes"),
      no: t("samePerson.no"),
    })),
    done: questions.length === 0 ? t("samePerson.done") : "",
  } satisfies SamePersonCardData);
}

/** case.samePerson: records the answer and shows the questions that remain for the case. */
export async function handleSamePersonAction(request: CardActionRequest<SamePersonActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, data, services } = request;
  if (!actor) return noticeCard(t("samePerson.unknownMember"), "", "Attention");
  // The card names young people: answered in a personal chat only, whatever an invoke says.
  if (ctx.activity.conversation?.conversationType !== "personal") return noticeCard(t("samePerson.personalOnly"), "", "Attention");
  const same = data.same === "yes";
  const outcome = await services.queries.decideSamePerson(actor, data.caseId, data.otherCaseId, same);
  if (!outcome.ok) return noticeCard(t(outcome.reason === "NOT_FOUND" ? "samePerson.notFound" : "samePerson.notAQuestion"), "", "Attention");
  const text = !outcome.recorded
    ? t("samePerson.alreadyAnswered")
    : t(outcome.same ? "samePerson.recordedSame" : "samePerson.recordedDifferent", { reference: outcome.reference, other: outcome.otherReference });
  return samePersonCard(t, outcome.reference, outcome.questions, { text, color: outcome.recorded ? "Good" : "Default" });
}
