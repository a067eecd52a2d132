import type { SchoolsConfirmOutcome, SchoolsImportDone, SchoolsPreview, SchoolsPreviewOutcome, OwnerlessLine } from "../../services/directory-schools.js";
import type { Translate } from "../i18n.js";

/** Texts of the school directory import (`npm run directory:schools`) and of the "schools without
 *  an owner" check (`npm run directory:check`, the daily message to the admins). */

const K = "schoolDirectory";
/** Lines listed per section of a preview printed on a terminal. */
const LIST_MAX = 50;

type ErrorLike = { file: "schools" | "bassins"; line: number; column: number; header: string; code: string; value?: string; otherLine?: number };

export function directoryErrorText(t: Translate, e: ErrorLike): string {
  const reason = t(`${K}.error.${e.code}`, { otherLine: e.otherLine ?? "?" });
  const shown = e.value !== undefined ? `${reason} (« ${e.value} »)` : reason;
  return t(`${K}.preview.errorLine`, {
    file: t(`${K}.file.${e.file}`),
    line: e.line,
    column: e.column,
    header: e.header ? ` (${e.header})` : "",
    reason: shown,
  });
}

export function ownerMissingText(t: Translate, s: { noLead: boolean; noRoute: boolean }): string {
  return [s.noLead ? t(`${K}.owner.missingLead`) : null, s.noRoute ? t(`${K}.owner.missingRoute`) : null].filter(Boolean).join(" ; ");
}

function limited<T>(t: Translate, items: readonly T[], line: (item: T) => string, total = items.length): string[] {
  const shown = items.slice(0, LIST_MAX).map((i) => `  ${line(i)}`);
  return total > shown.length ? [...shown, `  ${t(`${K}.preview.more`, { count: total - shown.length })}`] : shown;
}

/** Ownerless schools grouped by bassin, one line each. */
export function ownerlessLines(t: Translate, schools: readonly (OwnerlessLine & { districtName?: string })[]): string[] {
  const out: string[] = [];
  let bassin: string | null | undefined;
  for (const s of schools) {
    if (s.districtCode !== bassin) {
      bassin = s.districtCode;
      out.push(
        s.districtName && s.districtName !== s.districtCode
          ? t(`${K}.owner.bassinNamed`, { code: s.districtCode, name: s.districtName })
          : t(`${K}.owner.bassin`, { code: s.districtCode ?? "?" }),
      );
    }
    out.push(`  ${t(`${K}.owner.line`, { uai: s.uai, name: s.name, missing: ownerMissingText(t, s) })}`);
  }
  return out;
}

/** The preview as a terminal prints it. */
export function schoolsPreviewText(t: Translate, p: SchoolsPreview): string {
  const facts: [string, string | number][] = [
    [t(`${K}.preview.rows`), p.rows],
    [t(`${K}.preview.kept`), p.kept],
    [t(`${K}.preview.create`), p.create],
    [t(`${K}.preview.update`), p.update],
    [t(`${K}.preview.unchanged`), p.unchanged],
    [t(`${K}.preview.closed`), p.closed],
    [t(`${K}.preview.newBassins`), p.newBassins.length ? p.newBassins.join(", ") : t(`${K}.preview.none`)],
  ];
  const width = Math.max(...facts.map(([k]) => k.length));
  const ignored = Object.entries(p.ignored).filter(([, n]) => n > 0);
  const lines = [
    t(`${K}.preview.title`, { name: p.fileName }),
    ...(p.bassinsFileName ? [t(`${K}.preview.bassinsFile`, { name: p.bassinsFileName })] : []),
    t(`${K}.preview.academy`, { code: p.academyCode }),
    "",
    ...facts.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
  if (ignored.length > 0) {
    lines.push(
      "",
      `${t(`${K}.preview.ignoredTitle`)} :`,
      ...ignored.map(([reason, count]) => `  ${t(`${K}.preview.ignoredLine`, { reason: t(`${K}.preview.ignored.${reason}`), count })}`),
    );
    if (p.ignoredNatures.length > 0)
      lines.push(
        `  ${t(`${K}.preview.natures`, {
          natures: p.ignoredNatures
            .slice(0, 10)
            .map((n) => `${n.label} (${n.count})`)
            .join(", "),
        })}`,
      );
  }
  if (p.withoutBassin.length > 0)
    lines.push("", `${t(`${K}.preview.withoutBassinTitle`)} :`, ...limited(t, p.withoutBassin, (s) => t(`${K}.preview.withoutBassinLine`, s)));
  if (p.bassinsNotInDirectory > 0) lines.push("", t(`${K}.preview.notInDirectory`, { count: p.bassinsNotInDirectory }));
  if (p.ownerlessCount > 0) {
    const grouped = ownerlessLines(t, p.ownerless.slice(0, LIST_MAX));
    lines.push("", `${t(`${K}.preview.ownerlessTitle`, { count: p.ownerlessCount })} :`, ...grouped.map((l) => `  ${l}`));
    if (p.ownerlessCount > Math.min(p.ownerless.length, LIST_MAX))
      lines.push(`  ${t(`${K}.preview.more`, { count: p.ownerlessCount - Math.min(p.ownerless.length, LIST_MAX) })}`);
  }
  if (p.errors.length > 0)
    lines.push("", `${t(`${K}.preview.errorsTitle`, { count: p.errors.length })} :`, ...limited(t, p.errors, (e) => directoryErrorText(t, e)));
  return lines.join("\n");
}

/** Whether the preview has anything to write. */
export function schoolsToWrite(p: SchoolsPreview): number {
  return p.create + p.update;
}

export function schoolsRefusalText(t: Translate, o: Extract<SchoolsPreviewOutcome, { ok: false }> | Extract<SchoolsConfirmOutcome, { ok: false }>): string {
  switch (o.reason) {
    case "EMPTY":
      return t(`${K}.refusal.EMPTY`, { file: t(`${K}.file.${o.file}`) });
    case "UNREADABLE":
      return o.line !== null
        ? t(`${K}.refusal.UNREADABLE`, { file: t(`${K}.file.${o.file}`), line: o.line })
        : t(`${K}.refusal.UNREADABLE_NO_LINE`, { file: t(`${K}.file.${o.file}`) });
    case "MISSING_COLUMNS":
      return t(`${K}.refusal.MISSING_COLUMNS`, { file: t(`${K}.file.${o.file}`), missing: o.missing.map((m: string) => t(`${K}.column.${m}`)).join(", ") });
    default:
      return t(`${K}.refusal.${o.reason}`);
  }
}

export function schoolsDoneText(t: Translate, d: SchoolsImportDone): string {
  return t(`${K}.result.done`, { created: d.created, updated: d.updated, unchanged: d.unchanged, closed: d.closed, bassins: d.newBassins });
}

/** The daily message to the académie's admins: the open schools without an owner, by bassin. */
export function ownerlessSchoolsText(t: Translate, spec: { count: number; schools: readonly (OwnerlessLine & { districtName?: string })[] }): string {
  const lines = [
    `**${t(`${K}.owner.title`, { count: spec.count })}**`,
    "",
    t(`${K}.owner.intro`),
    "",
    ...ownerlessLines(t, spec.schools).map((l) => (l.startsWith("  ") ? `- ${l.trim()}` : `**${l}**`)),
  ];
  if (spec.count > spec.schools.length) lines.push("", t(`${K}.owner.cardMore`, { count: spec.count - spec.schools.length }));
  return lines.join("\n\n").replace(/\n\n- /g, "\n- ");
}

/** To an admin: a report in a school with nobody to follow it (reference and school only). */
export function ownerlessReportText(t: Translate, reference: string, spec: { schoolName: string; coordinators: number }): string {
  return t(spec.coordinators > 0 ? `${K}.report.adminToldWithCoordinators` : `${K}.report.adminTold`, {
    reference,
    school: spec.schoolName,
    count: spec.coordinators,
  });
}

/** The reporter's confirmation when their school has no référent décrochage or chef d'établissement:
 *  who was really told. */
export function ownerlessReporterText(t: Translate, told: { coordinators: number; admins: number }): string {
  const key = told.coordinators > 0 && told.admins > 0 ? "both" : told.coordinators > 0 ? "coordinators" : told.admins > 0 ? "admins" : "fallback";
  return t(`${K}.report.reporter.${key}`);
}
