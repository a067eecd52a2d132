import { renderCard, type AdaptiveCardJson } from "./card-renderer.js";
import type { Translate } from "../i18n.js";
import type { Role } from "../../domain/roles.js";
import type { HelpCardData, WelcomeCardData } from "./card-data.js";

/** Builds the data of each card from translated texts: templates in cards/ hold no language. */

export function welcomeCard(t: Translate): AdaptiveCardJson {
  return renderCard(
    "welcome",
    {
      title: t("welcome.title"),
      intro: t("welcome.intro"),
      can: t("welcome.can"),
      items: [t("welcome.report"), t("welcome.status"), t("welcome.triage")],
      privacy: t("welcome.privacy"),
      startReport: t("welcome.startReport"),
      helpLabel: t("welcome.help"),
    } satisfies WelcomeCardData,
    { constant: true },
  );
}

/** The help lists what the caller may use: everyone reports and asks; référents and coordinators
 *  follow up; coordinators import; admins also administer. */
export function helpCard(t: Translate, role?: Role | null): AdaptiveCardJson {
  const follows = role === "REFERENT" || role === "COORDINATOR" || role === "ADMIN";
  const sections = [
    ...(follows
      ? [
          {
            title: t("help.followTitle"),
            commands: [
              t("help.history"),
              t("help.stats"),
              t("help.exportStats"),
              ...(role === "COORDINATOR" || role === "ADMIN" ? [t("help.exportCases"), t("help.importFile")] : []),
              ...(role === "COORDINATOR" ? [t("calls.help")] : []),
              ...(role === "REFERENT" ? [t("gpds.help")] : []),
              t("familyNotice.help"),
            ],
          },
        ]
      : []),
    ...(role === "ADMIN"
      ? [
          {
            title: t("help.adminTitle"),
            commands: [
              t("help.routeDistrict"),
              t("help.routeFallback"),
              t("help.failedSends"),
              t("help.pupilData"),
              t("members.help"),
              t("familyNotice.adminHelp"),
              t("academieTransfer.help"),
            ],
          },
        ]
      : []),
    ...(role === "HEAD" ? [{ title: t("members.helpTitle"), commands: [t("members.help"), t("gpds.help")] }] : []),
    ...(role ? [] : [{ title: t("enrolment.helpTitle"), commands: [t("enrolment.help")] }]),
  ];
  return renderCard(
    "help",
    {
      title: t("help.title"),
      intro: t("help.intro"),
      commands: [t("help.report"), t("help.status"), t("help.mine"), t("help.todo"), t("help.overdue"), t("help.cancel")],
      sections,
      channel: t("help.channel"),
      startReport: t("help.startReport"),
    } satisfies HelpCardData,
    { constant: true },
  );
}
