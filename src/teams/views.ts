import { renderCard, type AdaptiveCardJson } from "./card-renderer.js";
import type { Translate } from "./i18n.js";

/** Builds the data of each card from translated texts: templates in cards/ hold no language. */

export function welcomeCard(t: Translate): AdaptiveCardJson {
  return renderCard("welcome", {
    title: t("welcome.title"),
    intro: t("welcome.intro"),
    can: t("welcome.can"),
    items: [t("welcome.report"), t("welcome.status"), t("welcome.triage")],
    privacy: t("welcome.privacy"),
    startReport: t("welcome.startReport"),
    helpLabel: t("welcome.help"),
  }, { constant: true });
}

export function helpCard(t: Translate): AdaptiveCardJson {
  return renderCard("help", {
    title: t("help.title"),
    intro: t("help.intro"),
    commands: [t("help.report"), t("help.status"), t("help.mine"), t("help.todo"), t("help.overdue"), t("help.cancel")],
    channel: t("help.channel"),
    startReport: t("help.startReport"),
  }, { constant: true });
}
