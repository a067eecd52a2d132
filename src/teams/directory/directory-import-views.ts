import { ROLES } from "../../domain/roles.js";
import { applicable, type PeoplePreview } from "../../services/directory-people.js";
import type { SchoolsPreview } from "../../services/directory-schools.js";
import type { DirectoryPreviewCardData } from "../cards/card-data.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import type { Translate } from "../i18n.js";
import { personErrorText } from "./people-views.js";
import { directoryErrorText, ownerMissingText, schoolsToWrite } from "./school-directory-views.js";

/** The preview cards of the académie's directory files sent in Teams: the school directory (with
 *  its bassins) and the staff list. The same words as the command line; lists cut at LISTED. */

/** Lines a section lists; the rest is counted (cards stay under 28 KB). */
export const DIRECTORY_LISTED = 20;

type Section = DirectoryPreviewCardData["sections"][number];

function section(t: Translate, title: string, lines: readonly string[], color = "Default", total = lines.length): Section | null {
  if (total === 0) return null;
  const listed = lines.slice(0, DIRECTORY_LISTED);
  return { title, color, lines: listed, more: total > listed.length ? t("directoryImport.more", { count: total - listed.length }) : "" };
}

const present = (s: Section | null): s is Section => s !== null;

export function schoolsPreviewCard(t: Translate, p: SchoolsPreview): AdaptiveCardJson {
  const K = "schoolDirectory.preview";
  const ignored = Object.entries(p.ignored).filter(([, n]) => n > 0);
  const ignoredLines = ignored.map(([reason, count]) => t(`${K}.ignoredLine`, { reason: t(`${K}.ignored.${reason}`), count }));
  if (p.ignoredNatures.length > 0)
    ignoredLines.push(
      t(`${K}.natures`, {
        natures: p.ignoredNatures
          .slice(0, 10)
          .map((n) => `${n.label} (${n.count})`)
          .join(", "),
      }),
    );
  const writes = schoolsToWrite(p) + p.newBassins.length;
  const sections = [
    section(
      t,
      t("directoryImport.errorsTitle", { count: p.errors.length }),
      p.errors.map((e) => directoryErrorText(t, e)),
      "Attention",
    ),
    section(t, t(`${K}.ignoredTitle`), ignoredLines),
    section(
      t,
      t(`${K}.withoutBassinTitle`),
      p.withoutBassin.map((s) => t(`${K}.withoutBassinLine`, s)),
      "Warning",
    ),
    section(
      t,
      t("directoryImport.ownerlessTitle", { count: p.ownerlessCount }),
      p.ownerless.map((s) => t("schoolDirectory.owner.line", { uai: s.uai, name: s.name, missing: ownerMissingText(t, s) })),
      "Warning",
      p.ownerlessCount,
    ),
  ].filter(present);
  return renderCard("directory-preview", {
    title: t(`${K}.title`, { name: p.fileName }),
    source: [
      t(`${K}.academy`, { code: p.academyCode }),
      p.bassinsFileName ? t(`${K}.bassinsFile`, { name: p.bassinsFileName }) : t("directoryImport.noBassinsFile"),
      ...(p.bassinsNotInDirectory > 0 ? [t(`${K}.notInDirectory`, { count: p.bassinsNotInDirectory })] : []),
    ],
    facts: [
      { title: t(`${K}.rows`), value: String(p.rows) },
      { title: t(`${K}.kept`), value: String(p.kept) },
      { title: t(`${K}.create`), value: String(p.create) },
      { title: t(`${K}.update`), value: String(p.update) },
      { title: t(`${K}.unchanged`), value: String(p.unchanged) },
      { title: t(`${K}.closed`), value: String(p.closed) },
      { title: t("directoryImport.ignored"), value: String(ignored.reduce((n, [, c]) => n + c, 0)) },
      { title: t(`${K}.newBassins`), value: p.newBassins.length ? p.newBassins.join(", ").slice(0, 200) : t(`${K}.none`) },
      { title: t("directoryImport.errorLines"), value: String(new Set(p.errors.map((e) => `${e.file}:${e.line}`)).size) },
    ],
    sections,
    nothing: p.errors.length === 0 && writes === 0 ? t(`${K}.nothing`) : "",
    confirm: p.errors.length === 0 && writes > 0 ? t("directoryImport.confirm") : "",
    cancel: t("directoryImport.cancel"),
    kind: "schools",
    importId: p.importId,
  } satisfies DirectoryPreviewCardData);
}

const ENCODING_NAMES: Record<PeoplePreview["encoding"], string> = {
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252",
  "utf-16le": "UTF-16",
  "utf-16be": "UTF-16",
};
const DELIMITER_NAMES: Record<PeoplePreview["delimiter"], string> = { ";": ";", ",": ",", "\t": "tab" };

export function peoplePreviewCard(t: Translate, p: PeoplePreview): AdaptiveCardJson {
  const K = "people.preview";
  const roles = ROLES.filter((r) => (p.byRole[r] ?? 0) > 0).map((r) => t(`${K}.roleCount`, { role: t(`role.${r}`), count: p.byRole[r] }));
  const updates = p.toUpdate.map((u) =>
    t(`${K}.updateLine`, {
      line: u.line,
      name: u.displayName,
      changes: u.changes.map((c) => t(`${K}.change.${c}`, { role: t(`role.${u.role}`) })).join(", "),
    }),
  );
  const leaving = p.toDeactivate.map((d) =>
    t(d.openCases > 0 ? `${K}.deactivateCases` : `${K}.deactivateLine`, { name: d.displayName, email: d.email, role: t(`role.${d.role}`), count: d.openCases }),
  );
  const sections = [
    section(
      t,
      t(`${K}.errorsTitle`),
      p.errors.map((e) => personErrorText(t, e)),
      "Attention",
    ),
    section(t, t("directoryImport.byRole"), roles),
    section(t, t(`${K}.updateTitle`), updates),
    section(t, t(`${K}.deactivateTitle`), leaving, "Warning"),
    section(t, t("directoryImport.withoutEmailTitle"), p.withoutEmail > 0 ? [t(`${K}.withoutEmail`, { count: p.withoutEmail })] : []),
  ].filter(present);
  const n = applicable(p);
  return renderCard("directory-preview", {
    title: t(`${K}.title`, { name: p.fileName }),
    source: [t(`${K}.file`, { encoding: ENCODING_NAMES[p.encoding], delimiter: DELIMITER_NAMES[p.delimiter] })],
    facts: [
      { title: t(`${K}.rows`), value: String(p.rows) },
      { title: t(`${K}.people`), value: String(p.people) },
      { title: t(`${K}.create`), value: String(p.toCreate) },
      { title: t(`${K}.update`), value: String(p.toUpdate.length) },
      { title: t(`${K}.unchanged`), value: String(p.unchanged) },
      { title: t(`${K}.deactivate`), value: String(p.toDeactivate.length) },
      { title: t(`${K}.errors`), value: String(new Set(p.errors.map((e) => e.line)).size) },
    ],
    sections,
    nothing: p.errors.length === 0 && n === 0 ? t(`${K}.nothing`) : "",
    confirm: p.importId !== null && p.errors.length === 0 && n > 0 ? t("directoryImport.confirm") : "",
    cancel: t("directoryImport.cancel"),
    kind: "people",
    importId: p.importId ?? "",
  } satisfies DirectoryPreviewCardData);
}
