import type { PersonError } from "../../domain/directory/people.js";
import type { PeopleConfirmOutcome, PeopleDone, PeoplePreview, PeoplePreviewOutcome } from "../../services/directory-people.js";
import { applicable } from "../../services/directory-people.js";
import { ROLES } from "../../domain/roles.js";
import type { Translate } from "../i18n.js";

/** Words of a staff list import, shared by `npm run directory:people` and the Teams handler. */

const ENCODING_NAMES: Record<PeoplePreview["encoding"], string> = {
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252",
  "utf-16le": "UTF-16",
  "utf-16be": "UTF-16",
};
const DELIMITER_NAMES: Record<PeoplePreview["delimiter"], string> = { ";": ";", ",": ",", "\t": "tab" };

export function personErrorText(t: Translate, e: PersonError): string {
  const reason = t(`people.error.${e.code}`);
  const base = { line: e.line, column: e.column, header: (e.header || t(`people.field.${e.field ?? "attachment"}`)).slice(0, 60), reason };
  const text =
    e.value !== undefined && e.code !== "COLUMN_COUNT" ? t("people.preview.errorLineValue", { ...base, value: e.value }) : t("people.preview.errorLine", base);
  return e.otherLine !== undefined ? t("people.preview.errorOtherLine", { text, other: e.otherLine }) : text;
}

/** The preview as plain text (command line): every error, change and departure listed. */
export function peoplePreviewText(t: Translate, p: PeoplePreview): string {
  const errorLines = new Set(p.errors.map((e) => e.line)).size;
  const facts = [
    { title: t("people.preview.rows"), value: String(p.rows) },
    { title: t("people.preview.people"), value: String(p.people) },
    { title: t("people.preview.create"), value: String(p.toCreate) },
    { title: t("people.preview.update"), value: String(p.toUpdate.length) },
    { title: t("people.preview.unchanged"), value: String(p.unchanged) },
    { title: t("people.preview.deactivate"), value: String(p.toDeactivate.length) },
    { title: t("people.preview.errors"), value: String(errorLines) },
  ];
  const width = Math.max(...facts.map((f) => f.title.length));
  const roles = ROLES.filter((r) => (p.byRole[r] ?? 0) > 0).map((r) => `  ${t("people.preview.roleCount", { role: t(`role.${r}`), count: p.byRole[r] })}`);
  const updates = p.toUpdate.map(
    (u) =>
      `  ${t("people.preview.updateLine", { line: u.line, name: u.displayName, changes: u.changes.map((c) => t(`people.preview.change.${c}`, { role: t(`role.${u.role}`) })).join(", ") })}`,
  );
  const leaving = p.toDeactivate.map(
    (d) =>
      `  ${t(d.openCases > 0 ? "people.preview.deactivateCases" : "people.preview.deactivateLine", { name: d.displayName, email: d.email, role: t(`role.${d.role}`), count: d.openCases })}`,
  );
  return [
    t("people.preview.title", { name: p.fileName }),
    t("people.preview.file", { encoding: ENCODING_NAMES[p.encoding], delimiter: DELIMITER_NAMES[p.delimiter] }),
    "",
    ...facts.map((f) => `  ${f.title.padEnd(width)}  ${f.value}`),
    ...(roles.length ? ["", t("people.preview.byRole"), ...roles] : []),
    ...(p.errors.length ? ["", `${t("people.preview.errorsTitle")} :`, ...p.errors.map((e) => `  ${personErrorText(t, e)}`)] : []),
    ...(updates.length ? ["", `${t("people.preview.updateTitle")} :`, ...updates] : []),
    ...(leaving.length ? ["", `${t("people.preview.deactivateTitle")} :`, ...leaving] : []),
    ...(p.withoutEmail > 0 ? ["", t("people.preview.withoutEmail", { count: p.withoutEmail })] : []),
    ...(p.errors.length === 0 && applicable(p) === 0 ? ["", t("people.preview.nothing")] : []),
  ].join("\n");
}

export function peopleRefusalText(t: Translate, outcome: Extract<PeoplePreviewOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case "FORBIDDEN":
      return t("people.forbidden");
    case "EMPTY":
      return t("people.empty");
    case "UNREADABLE":
      return outcome.line !== null ? t("people.unreadable", { line: outcome.line }) : t("people.unreadableNoLine");
    case "UNKNOWN_LAYOUT":
      return `${t("people.unknownLayout", { missing: outcome.missing.map((f) => t(`people.field.${f}`)).join(", ") })}\n\n${t("people.expectedColumns")}`;
    case "TOO_MANY_ROWS":
      return t("people.tooManyRows", { rows: outcome.rows, max: outcome.max });
  }
}

export function peopleDoneText(t: Translate, d: PeopleDone): string {
  return t("people.result.done", d);
}

export function peopleConfirmRefusalText(t: Translate, outcome: Extract<PeopleConfirmOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case "NOT_FOUND":
      return t("people.result.notFound");
    case "FORBIDDEN":
      return t("people.result.forbidden");
    case "ALREADY_APPLIED":
      return t("people.result.alreadyApplied");
    case "CANCELLED":
      return t("people.result.alreadyCancelled");
    case "EXPIRED":
      return t("people.result.expired");
  }
}
