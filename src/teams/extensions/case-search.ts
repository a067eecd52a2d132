import type { MessagingExtensionAttachment, MessagingExtensionResponse, TurnContext } from "botbuilder";
import { z } from "zod";
import { findReference, normalizeReference } from "../../domain/reference.js";
import type { Logger } from "../../logging.js";
import type { Actor, Services } from "../../services/index.js";
import type { CaseLine, QueryAudience } from "../../services/queries.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import type { StatusCardData } from "../cards/card-data.js";
import { STATUS_COLOR } from "../cases/case-views.js";
import type { Translate } from "../i18n.js";

/** The search-based message extension « Rechercher un dossier » (manifest composeExtensions) and the
 *  unfurling of case links. What it inserts in a conversation is the channel-safe card of a case
 *  (reference, school, class, initials, status), whatever the scope: a compose box may be in any
 *  chat, and the card stays there. Every case is one the caller may see (services.queries). */

export const SEARCH_COMMAND_ID = "searchCase";
export const SEARCH_PARAMETER = "query";

/** The path of a case's link: https://<PUBLIC_BASE_URL host>/dossiers/D-2026-0042. */
export const CASE_LINK_PATH = "/dossiers/";

export type ExtensionRequest = {
  ctx: TurnContext;
  actor: Actor | null;
  t: Translate;
  services: Services;
  logger: Logger;
};

/** What Teams sends for a search (composeExtension/query), parsed before anything reads it. */
const SearchQuery = z
  .object({
    commandId: z.string().max(64),
    parameters: z
      .array(z.object({ name: z.string().max(64), value: z.unknown() }).loose())
      .max(8)
      .optional(),
  })
  .loose();

/** What Teams sends when a link of the app's domain is pasted (composeExtension/queryLink). */
const LinkQuery = z.object({ url: z.string().max(2048) }).loose();

const CARD = "application/vnd.microsoft.card.adaptive";
const TYPED_MAX = 100;

/** The conversation a compose box belongs to: names are looked for only in a personal one. */
function audienceOf(ctx: TurnContext): QueryAudience {
  return (ctx.activity.conversation?.conversationType ?? "personal") === "personal" ? "personal" : "channel";
}

function message(text: string): MessagingExtensionResponse {
  return { composeExtension: { type: "message", text } };
}

function results(attachments: MessagingExtensionAttachment[]): MessagingExtensionResponse {
  return { composeExtension: { type: "result", attachmentLayout: "list", attachments } };
}

/** The card a search inserts or a link unfurls to: never a name, never a note. */
export function channelSafeCaseCard(t: Translate, line: CaseLine): AdaptiveCardJson {
  return renderCard("status-card", {
    caseId: line.caseId,
    reference: line.reference,
    statusLabel: t(`status.${line.status}`),
    statusColor: STATUS_COLOR[line.status],
    headline: [line.schoolName, line.pupil?.className ?? null, line.pupil?.initials ?? null].filter((x): x is string => Boolean(x)).join(" · "),
    late: "",
    facts: [],
    linkedTitle: "",
    linked: [],
    note: "",
    canOpen: false,
    openLabel: "",
  } satisfies StatusCardData);
}

function attachmentOf(t: Translate, line: CaseLine): MessagingExtensionAttachment {
  const card = channelSafeCaseCard(t, line);
  const subtitle = [line.schoolName, line.pupil?.className ?? null, line.pupil?.initials ?? null].filter(Boolean).join(" · ");
  return {
    contentType: CARD,
    content: card,
    preview: { contentType: "application/vnd.microsoft.card.thumbnail", content: { title: line.reference, subtitle, text: t(`status.${line.status}`) } },
  };
}

/** « Rechercher un dossier »: a reference anywhere; a pupil's name in a personal chat only. */
export async function searchCases(request: ExtensionRequest, value: unknown): Promise<MessagingExtensionResponse> {
  const { ctx, actor, t, services } = request;
  const parsed = SearchQuery.safeParse(value);
  if (!parsed.success || parsed.data.commandId !== SEARCH_COMMAND_ID) return message(t("native.search.unknownCommand"));
  if (!actor) return message(t("native.search.unknownMember"));
  const raw = parsed.data.parameters?.find((p) => p.name === SEARCH_PARAMETER)?.value;
  const typed = typeof raw === "string" ? raw.trim().slice(0, TYPED_MAX) : "";
  const audience = audienceOf(ctx);
  if (typed === "") return message(t(audience === "personal" ? "native.search.hintPersonal" : "native.search.hintChannel"));

  const reference = normalizeReference(typed) ?? findReference(typed);
  if (reference) {
    const found = await services.queries.statusByReference(actor, reference, audience);
    return found.ok ? results([attachmentOf(t, found.line)]) : message(t("native.search.noCase", { reference }));
  }
  // A name: in a channel or a group chat even « no case » would tell who has one.
  if (audience !== "personal") return message(t("native.search.referenceOnly"));
  const byName = await services.queries.statusByName(actor, typed, "personal");
  if (!byName.ok) return message(t(byName.reason === "INVALID_NAME" ? "native.search.hintPersonal" : "native.search.noNames"));
  if (byName.lines.length === 0) return message(t("native.search.noMatch"));
  return results(byName.lines.map((line) => attachmentOf(t, line)));
}

/** The reference a link of the app names, when it is one of its case links. */
export function referenceOfLink(url: string, publicBaseUrl: string | undefined): string | null {
  if (!publicBaseUrl) return null;
  let link: URL;
  let base: URL;
  try {
    link = new URL(url);
    base = new URL(publicBaseUrl);
  } catch {
    return null;
  }
  if (link.protocol !== "https:" || link.host.toLowerCase() !== base.host.toLowerCase()) return null;
  const basePath = base.pathname.replace(/\/+$/, "");
  const prefix = `${basePath}${CASE_LINK_PATH}`;
  if (!link.pathname.startsWith(prefix)) return null;
  return normalizeReference(decodeURIComponent(link.pathname.slice(prefix.length)).replace(/\/+$/, ""));
}

/** A pasted case link: the channel-safe card for who may see the case, nothing for anyone else
 *  (the same empty answer whether the case exists or not). */
export async function unfurlCaseLink(request: ExtensionRequest, value: unknown, publicBaseUrl: string | undefined): Promise<MessagingExtensionResponse> {
  const { ctx, actor, t, services } = request;
  const parsed = LinkQuery.safeParse(value);
  const reference = parsed.success ? referenceOfLink(parsed.data.url, publicBaseUrl) : null;
  if (!actor || !reference) return results([]);
  const found = await services.queries.statusByReference(actor, reference, audienceOf(ctx));
  return found.ok ? results([attachmentOf(t, found.line)]) : results([]);
}

/** A case's link, as the cards and the README give it. */
export function caseLink(publicBaseUrl: string, reference: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}${CASE_LINK_PATH}${reference}`;
}

/** The personal tab of the app in Teams (manifest staticTabs), which a case's link opens. */
export const CASES_TAB_ENTITY_ID = "mes-dossiers";

/** Where a case's link leads: the app's tab « Mes dossiers » in Teams, the case named as its
 *  sub-entity (the tab opens it for who may see it); without a Teams app id (local mode), the tab's
 *  page on this server. Null when the path is not a reference. */
export function caseLinkTarget(typed: string, appId: string | undefined): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(typed);
  } catch {
    return null;
  }
  const reference = normalizeReference(decoded);
  if (!reference) return null;
  if (!appId) return `/tab/?case=${reference}`;
  const context = encodeURIComponent(JSON.stringify({ subEntityId: reference }));
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(appId)}/${CASES_TAB_ENTITY_ID}?context=${context}`;
}
