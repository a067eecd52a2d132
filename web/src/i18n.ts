import i18next, { type TFunction } from "i18next";
import tabEn from "./locales/en.json";
import tabFr from "./locales/fr.json";
// The bot's own words for statuses, signals, events and plans: the tab says what the cards say.
import botEn from "../../src/teams/locales/en.json";
import botFr from "../../src/teams/locales/fr.json";
import { role as roleEn } from "../../src/teams/locales/en/roles.json";
import { role as roleFr } from "../../src/teams/locales/fr/roles.json";
import { stats as statsEn } from "../../src/teams/locales/en/stats.json";
import { stats as statsFr } from "../../src/teams/locales/fr/stats.json";
import { calls as callsEn } from "../../src/teams/locales/en/calls.json";
import { calls as callsFr } from "../../src/teams/locales/fr/calls.json";

export type Lang = "fr" | "en";

const bot = (texts: typeof botFr, role: typeof roleFr, stats: typeof statsFr, calls: typeof callsFr) => ({
  caseLabels: texts.case.labels,
  status: texts.status,
  signal: texts.signal,
  urgency: texts.urgency,
  role,
  event: texts.plan.history.event,
  planAction: texts.plan.action,
  planActionStatus: texts.plan.actionStatus,
  family: texts.family,
  outcome: texts.plan.outcome,
  stats,
  calls,
  caseNotice: texts.case.notice,
});

/** French first; English when Teams (or `?lang=`, or the browser) says English. */
export function pickLang(...candidates: (string | null | undefined)[]): Lang {
  for (const c of candidates) {
    if (!c) continue;
    if (/^en\b/i.test(c)) return "en";
    if (/^fr\b/i.test(c)) return "fr";
  }
  return "fr";
}

export async function initI18n(lang: Lang): Promise<TFunction> {
  document.documentElement.lang = lang;
  return i18next.init({
    lng: lang,
    fallbackLng: "fr",
    // No text nests another; i18next's nesting pattern backtracks exponentially on an unclosed
    // "$t(" in a value (a school's name, a note): never matched (as the bot's src/teams/i18n.ts).
    interpolation: { escapeValue: false, nestingPrefix: "", nestingPrefixEscaped: "(?!)" },
    resources: {
      fr: { translation: { ...tabFr, bot: bot(botFr, roleFr, statsFr, callsFr) } },
      en: { translation: { ...tabEn, bot: bot(botEn, roleEn, statsEn, callsEn) } },
    },
  });
}

export function formatDate(iso: string | null, lang: Lang, withTime = false): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "fr-FR", {
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
    timeZone: "Europe/Paris",
  }).format(new Date(iso));
}
