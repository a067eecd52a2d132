import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type TFunction } from "i18next";
import fr from "./locales/fr.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };

export type Locale = "fr" | "en";
export type Translate = TFunction;

const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "locales");

/** Texts live in locales/<lang>.json plus one file per feature in locales/<lang>/*.json (each a
 *  top-level section of its own), so that features can be added without touching one big file. */
function resources(lang: Locale, base: Record<string, unknown>): Record<string, unknown> {
  const dir = path.join(LOCALES_DIR, lang);
  const merged: Record<string, unknown> = { ...base };
  if (!existsSync(dir)) return merged;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    Object.assign(merged, JSON.parse(readFileSync(path.join(dir, file), "utf8")));
  }
  return merged;
}

const instance = i18next.createInstance();
void instance.init({
  resources: { fr: { translation: resources("fr", fr) }, en: { translation: resources("en", en) } },
  lng: "fr",
  fallbackLng: "fr",
  initImmediate: false,
  // No text nests another ($t(key)). i18next looks for nesting with a regular expression that
  // backtracks exponentially on "$t(" not closed: typed into a message the bot repeats (« Je n'ai
  // pas compris « $t( … » »), it held the process at full CPU for good. "(?!)" never matches.
  interpolation: { escapeValue: false, nestingPrefix: "", nestingPrefixEscaped: "(?!)" },
  returnNull: false,
  showSupportNotice: false,
});

/** Teams sends locales such as "fr-FR", "en-US", "en-GB": English when it says English, French otherwise
 *  unless the configured default is English and the locale says nothing. `forced` (FORCE_LOCALE, for
 *  demonstrations) wins over whatever the client says. */
export function resolveLocale(activityLocale: string | undefined, fallback: Locale, forced?: Locale): Locale {
  if (forced) return forced;
  const lang = (activityLocale ?? "").toLowerCase().split(/[-_]/)[0];
  if (lang === "en") return "en";
  if (lang === "fr") return "fr";
  return fallback;
}

/** A text without options is the same every time: i18next takes 20 µs to find it again, and a card
 *  asks for a dozen (npm run bench), so each is looked up once per language. */
function memoised(locale: Locale): Translate {
  const fixed = instance.getFixedT(locale) as unknown as (...args: unknown[]) => string;
  const texts = new Map<string, string>();
  return ((key: unknown, ...rest: unknown[]) => {
    if (typeof key !== "string" || rest.length > 0) return fixed(key, ...rest);
    let text = texts.get(key);
    if (text === undefined) {
      text = fixed(key);
      texts.set(key, text);
    }
    return text;
  }) as unknown as Translate;
}

const translators: Record<Locale, Translate> = { fr: memoised("fr"), en: memoised("en") };

export function translator(locale: Locale): Translate {
  return translators[locale];
}
