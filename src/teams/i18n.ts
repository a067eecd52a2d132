import i18next, { type TFunction } from "i18next";
import fr from "./locales/fr.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };

export type Locale = "fr" | "en";
export type Translate = TFunction;

const instance = i18next.createInstance();
void instance.init({
  resources: { fr: { translation: fr }, en: { translation: en } },
  lng: "fr",
  fallbackLng: "fr",
  initImmediate: false,
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

/** Teams sends locales such as "fr-FR", "en-US", "en-GB": English when it says English, French otherwise
 *  unless the configured default is English and the locale says nothing. */
export function resolveLocale(activityLocale: string | undefined, fallback: Locale): Locale {
  const lang = (activityLocale ?? "").toLowerCase().split(/[-_]/)[0];
  if (lang === "en") return "en";
  if (lang === "fr") return "fr";
  return fallback;
}

export function translator(locale: Locale): Translate {
  return instance.getFixedT(locale);
}
