import { TeamsInfo, type TurnContext } from "botbuilder";
import { z } from "zod";
import { ROLE_ATTACHMENT } from "../../domain/roles.js";
import { normalizeText } from "../../domain/text.js";
import { ENROLMENT_LIMITS } from "../../services/enrolments.js";
import type { Actor, Services } from "../../services/index.js";
import type { Logger } from "../../logging.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { cardMessage } from "../cards/card-message.js";
import { noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import type { SubmitPayload } from "../cards/submit-payload.js";
import { tenantOf } from "../platform/activity-info.js";
import { enrolmentFormCard, enrolmentRequestCard, placeOf } from "./enrolment-views.js";

/** Self-enrolment in Teams: « inscription » (or the button of the « not known » card) opens a card
 *  to find one's school and give one's function; the request goes to the approvers, whose card
 *  approves or refuses it. */

const WORDS = new Set([
  "inscription",
  "m inscrire",
  "minscrire",
  "s inscrire",
  "demander mon inscription",
  "enrol",
  "enroll",
  "join",
  "sign up",
  "ask to join",
]);

const SearchInput = z.object({ query: z.string().max(ENROLMENT_LIMITS.queryMax).optional().default("") }).loose();
const RequestInput = z
  .object({
    query: z.string().max(ENROLMENT_LIMITS.queryMax).optional().default(""),
    schoolId: z.string().max(64).optional().default(""),
    function: z.string().max(ENROLMENT_LIMITS.functionMax).optional().default(""),
    place: z.string().max(50).optional().default(""),
  })
  .loose();
const DecideInput = z.object({ enrolmentId: z.string().min(1).max(64) }).loose();
export const EnrolmentActionData = DecideInput;

/** Whether a typed message asks to join (« inscription », « m'inscrire », « enrol »…). */
export function isEnrolmentText(text: string): boolean {
  return WORDS.has(
    normalizeText(text)
      .replace(/[^a-z ]+/g, " ")
      .trim(),
  );
}

/** The entry of the table of card actions (enrolment.approve, enrolment.refuse). */
export async function handleEnrolmentCardAction(r: CardActionRequest<z.output<typeof DecideInput>>): Promise<AdaptiveCardJson> {
  return (await handleEnrolmentAction(r, r.actor, r.t, r.locale, r.verb, r.data)) ?? noticeCard(r.t("case.notice.invalidCard"), "", "Attention");
}

export type EnrolmentDeps = { services: Services; logger: Logger; onQueued: () => void };

/** Answers the enrolment words and cards of a message; false when the message is not about it. */
export async function answerEnrolment(
  ctx: TurnContext,
  deps: EnrolmentDeps,
  actor: Actor | null,
  t: Translate,
  submit: SubmitPayload | null,
  text: string,
): Promise<boolean> {
  const asked = submit?.action === "enrol.search" || submit?.action === "enrol.request" || (!submit && isEnrolmentText(text));
  if (!asked) return false;
  if ((ctx.activity.conversation.conversationType ?? "personal") !== "personal") {
    await ctx.sendActivity(t("report.personalOnly"));
    return true;
  }
  if (actor) {
    await ctx.sendActivity(t("enrolment.alreadyMember"));
    return true;
  }
  const tenantId = tenantOf(ctx.activity);
  const aadObjectId = ctx.activity.from?.aadObjectId;
  if (!tenantId || !aadObjectId) return false;
  const services = deps.services;
  const pending = await services.enrolments.pendingOf(tenantId, aadObjectId);
  if (pending) {
    await ctx.sendActivity(t("enrolment.pending", { role: t(`role.${pending.role}`), school: placeOf(t, pending) }));
    return true;
  }
  if (submit?.action !== "enrol.request") {
    const query = submit ? (SearchInput.safeParse(ctx.activity.value).data?.query.trim() ?? "") : "";
    const schools = query ? await services.enrolments.searchSchools(query) : [];
    await ctx.sendActivity(cardMessage(enrolmentFormCard(t, { query, schools, fn: "", place: "", error: "", searched: query !== "" })));
    return true;
  }
  const input = RequestInput.safeParse(ctx.activity.value);
  const v = input.success ? input.data : { query: "", schoolId: "", function: "", place: "" };
  const again = async (error: string) => {
    const schools = v.query.trim() ? await services.enrolments.searchSchools(v.query.trim()) : [];
    await ctx.sendActivity(
      cardMessage(
        enrolmentFormCard(t, { query: v.query.trim(), schools, fn: v.function.trim(), place: v.place.trim(), error, searched: v.query.trim() !== "" }),
      ),
    );
    return true;
  };
  const fn = v.function.trim();
  const role = fn ? services.enrolments.roleOf(fn) : null;
  if (role === null) return again(t("enrolment.error.UNKNOWN_FUNCTION", { function: fn.slice(0, 60) }));
  // A school role names its school; a bassin or département role its code; the académie's, nothing.
  const attachment = ROLE_ATTACHMENT[role];
  const place = v.place.trim();
  const departmentCode = departmentCodeOf(place);
  if (attachment === "SCHOOL" && !v.schoolId) return again(t("enrolment.error.school"));
  if (attachment === "DISTRICT" && !place) return again(t("enrolment.error.bassin", { function: fn.slice(0, 60) }));
  if (attachment === "DEPARTMENT" && departmentCode === null) return again(t("enrolment.error.department", { function: fn.slice(0, 60) }));
  const where =
    attachment === "SCHOOL"
      ? { schoolId: v.schoolId }
      : attachment === "DISTRICT"
        ? { bassinCode: place.toUpperCase() }
        : attachment === "DEPARTMENT" && departmentCode !== null
          ? { departmentCode }
          : {};
  const outcome = await services.enrolments.enrol(
    {
      tenantId,
      aadObjectId,
      displayName: (ctx.activity.from?.name ?? "").slice(0, 200) || "?",
      email: await emailOf(ctx, deps.logger),
      locale: ctx.activity.locale ?? null,
    },
    { function: fn, ...where },
  );
  if (!outcome.ok) {
    if (outcome.reason === "ALREADY_MEMBER") await ctx.sendActivity(t("enrolment.alreadyMember"));
    else if (outcome.reason === "ALREADY_PENDING")
      await ctx.sendActivity(t("enrolment.pending", { role: t(`role.${outcome.enrolment.role}`), school: placeOf(t, outcome.enrolment) }));
    else return again(t(`enrolment.error.${outcome.reason}`, { function: fn.slice(0, 60) }));
    return true;
  }
  deps.onQueued();
  const e = outcome.enrolment;
  await ctx.sendActivity(
    t(outcome.approversTold > 0 ? "enrolment.sent" : "enrolment.sentNobody", {
      role: t(`role.${e.role}`),
      school: placeOf(t, e),
      count: outcome.approversTold,
    }),
  );
  return true;
}

/** A département code as the directory writes it (« 69 » → « 069 », « 2a » → « 02A »), or null. */
function departmentCodeOf(text: string): string | null {
  const code = text.trim().toUpperCase();
  if (/^\d{1,3}$/.test(code)) return code.padStart(3, "0");
  if (/^0?2[AB]$/.test(code)) return code.padStart(3, "0");
  return null;
}

/** What Teams says of the person's address (shown to the approver); null when it cannot say. */
async function emailOf(ctx: TurnContext, logger: Logger): Promise<string | null> {
  try {
    const m = await TeamsInfo.getMember(ctx, ctx.activity.from.id);
    return m.email ?? m.userPrincipalName ?? null;
  } catch (err) {
    logger.warn({ err: { message: (err as Error).message } }, "enrolment: Teams did not give the person's address");
    return null;
  }
}

/** Approve / Refuse pressed on a request card: the card as it is after. */
export async function handleEnrolmentAction(
  deps: EnrolmentDeps,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  verb: string,
  data: unknown,
): Promise<AdaptiveCardJson | null> {
  if (verb !== "enrolment.approve" && verb !== "enrolment.refuse") return null;
  const input = DecideInput.safeParse(data);
  if (!input.success) return noticeCard(t("case.notice.invalidCard"), "", "Attention");
  if (!actor) return noticeCard(t("case.notice.unknownMember"), "", "Attention");
  const outcome = await deps.services.enrolments.decide(actor, input.data.enrolmentId, verb === "enrolment.approve" ? "APPROVED" : "REFUSED");
  if (outcome.ok) {
    deps.onQueued();
    return enrolmentRequestCard(t, locale, outcome.enrolment);
  }
  if (outcome.reason === "ALREADY_DECIDED") return enrolmentRequestCard(t, locale, outcome.enrolment);
  return noticeCard(t(outcome.reason === "FORBIDDEN" ? "enrolment.request.forbidden" : "enrolment.request.notFound"), "", "Attention");
}
