import type { RowError } from "../../domain/import-columns.js";
import type { ConfirmOutcome, ImportDone, ImportPreview, PreviewOutcome } from "../../services/imports.js";
import type { RenderSpec } from "../../store/index.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { formatDate } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import type { ImportPreviewCardData, ImportSummaryCardData } from "../cards/card-data.js";

/** Words and cards of a list import, shared by the Teams handler and `npm run import`. */

/** Lines of errors (and of attachments) a card lists; the rest is counted (cards stay under 28 KB). */
export const LISTED_LINES = 20;

const ENCODING_NAMES: Record<ImportPreview["encoding"], string> = {
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252",
  "utf-16le": "UTF-16",
  "utf-16be": "UTF-16",
};
const DELIMITER_NAMES: Record<ImportPreview["delimiter"], string> = { ";": ";", ",": ",", "\t": "tab" };

export function rowErrorText(t: Translate, e: RowError): string {
  const column = (e.column || t("import.preview.wholeRow")).slice(0, 60);
  const reason = t(`import.error.${e.code}`, { value: e.value ?? "" });
  return e.value !== undefined && e.code !== "DUPLICATE_IN_FILE" && e.code !== "COLUMN_COUNT"
    ? t("import.preview.errorLineValue", { line: e.line, column, reason, value: e.value })
    : t("import.preview.errorLine", { line: e.line, column, reason });
}

type PreviewView = {
  title: string;
  source: string;
  facts: { title: string; value: string }[];
  notes: string[];
  errors: string[];
  errorsMore: string;
  attach: string[];
  attachMore: string;
  samePersonTitle: string;
  samePersonIntro: string;
  samePerson: string[];
  samePersonMore: string;
  nothing: string;
};

function previewView(t: Translate, p: ImportPreview, listed: number): PreviewView {
  const notes = [t("import.preview.file", { encoding: ENCODING_NAMES[p.encoding], delimiter: DELIMITER_NAMES[p.delimiter] })];
  // Counts only: a number or an address is never shown on the preview.
  if (p.contacts.phones + p.contacts.emails > 0) notes.push(t("import.preview.contactsKept", { phones: p.contacts.phones, emails: p.contacts.emails }));
  if (p.contacts.invalidPhones + p.contacts.invalidEmails > 0)
    notes.push(t("import.preview.contactsInvalid", { phones: p.contacts.invalidPhones, emails: p.contacts.invalidEmails }));
  if (p.ignoredColumns.length > 0) notes.push(t("import.preview.ignored", { columns: p.ignoredColumns.slice(0, 12).join(", ").slice(0, 300) }));
  const errorLines = new Set(p.errors.map((e) => e.line)).size;
  const facts = [
    { title: t("import.preview.rows"), value: String(p.totalRows) },
    { title: t("import.preview.ready"), value: String(p.ready) },
    { title: t("import.preview.mlds"), value: String(p.mlds) },
    { title: t("import.preview.attach"), value: String(p.attach.length) },
    ...(p.already.length > 0 ? [{ title: t("import.preview.already"), value: String(p.already.length) }] : []),
    { title: t("import.preview.errors"), value: String(errorLines) },
  ];
  const more = (n: number) => (n > listed ? t("import.preview.more", { count: n - listed }) : "");
  return {
    title: t("import.preview.title", { name: p.fileName }),
    source: t("import.preview.source", {
      source: p.sourceLabel,
      district: p.districtName ? t("import.preview.district", { district: p.districtName }) : t("import.preview.allDistricts"),
    }),
    facts,
    notes,
    errors: p.errors.slice(0, listed).map((e) => rowErrorText(t, e)),
    errorsMore: more(p.errors.length),
    attach: p.attach.slice(0, listed).map((a) => t("import.preview.attachLine", a)),
    attachMore: more(p.attach.length),
    samePersonTitle: p.samePerson.length > 0 ? t("samePerson.import.title", { count: p.samePerson.length }) : "",
    samePersonIntro: p.samePerson.length > 0 ? t("samePerson.import.intro") : "",
    samePerson: p.samePerson.slice(0, listed).map((s) => t("samePerson.import.line", s)),
    samePersonMore: more(p.samePerson.length),
    nothing: importable(p) === 0 ? t("import.preview.nothing") : "",
  };
}

/** Rows the confirmation acts on: new cases and attachments. */
export function importable(p: ImportPreview): number {
  return p.ready + p.attach.length;
}

export function importPreviewCard(t: Translate, p: ImportPreview): AdaptiveCardJson {
  const n = importable(p);
  return renderCard("import-preview", {
    ...previewView(t, p, LISTED_LINES),
    errorsTitle: t("import.preview.errorsTitle"),
    attachTitle: t("import.preview.attachTitle"),
    confirm: n > 0 ? t("import.preview.confirm", { count: n }) : "",
    cancel: t("import.preview.cancel"),
    batchId: p.batchId,
  } satisfies ImportPreviewCardData);
}

/** The preview as plain text (command line), every error listed. */
export function previewText(t: Translate, p: ImportPreview): string {
  const v = previewView(t, p, Number.MAX_SAFE_INTEGER);
  const width = Math.max(...v.facts.map((f) => f.title.length));
  return [
    v.title,
    v.source,
    "",
    ...v.facts.map((f) => `  ${f.title.padEnd(width)}  ${f.value}`),
    "",
    ...v.notes,
    ...(v.errors.length ? ["", `${t("import.preview.errorsTitle")} :`, ...v.errors.map((e) => `  ${e}`)] : []),
    ...(v.attach.length ? ["", `${t("import.preview.attachTitle")} :`, ...v.attach.map((a) => `  ${a}`)] : []),
    ...(v.samePerson.length ? ["", `${v.samePersonTitle} :`, v.samePersonIntro, ...v.samePerson.map((a) => `  ${a}`)] : []),
    ...(v.nothing ? ["", v.nothing] : []),
  ].join("\n");
}

/** What a column title looks like: words, numbers and a little punctuation ("Date de naissance
 *  (JJ/MM/AAAA)", "N° INE"). */
const COLUMN_TITLE = /^[\p{L}\p{N}][\p{L}\p{N}\p{M} °'’().,/_&+-]{0,59}$/u;

/** The first line read, to help fix a file, only when it looks like column titles: a first line
 *  that is not (a web page, an API answer, any other content) is never repeated back. */
function shownHeaders(headers: readonly string[]): string | null {
  const listed = headers.slice(0, 15);
  if (listed.length === 0 || !listed.every((h) => COLUMN_TITLE.test(h))) return null;
  return listed.join(", ").slice(0, 300);
}

/** Why a file was not previewed, in one or two sentences. */
export function previewRefusalText(t: Translate, locale: Locale, outcome: Extract<PreviewOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case "FORBIDDEN":
      return t("import.forbidden");
    case "EMPTY":
      return t("import.empty");
    case "IN_PROGRESS":
      return t("import.inProgress");
    case "UNKNOWN_DISTRICT":
      return t("import.unknownDistrict", { code: outcome.districtCode });
    case "UNREADABLE":
      return outcome.line !== null ? t("import.unreadable", { line: outcome.line }) : t("import.unreadableNoLine");
    case "UNKNOWN_LAYOUT":
      return `${t("import.unknownLayout", {
        missing: outcome.missing.map((f) => t(`import.field.${f}`)).join(", "),
        headers: shownHeaders(outcome.headers) ?? t("protection.headersNotShown"),
      })}\n\n${t("import.expectedColumns")}`;
    case "TOO_MANY_ROWS":
      return t("import.tooManyRows", { rows: outcome.rows, max: outcome.max });
    case "ALREADY_IMPORTED":
      return alreadyImportedText(t, locale, outcome.batch);
  }
}

function alreadyImportedText(
  t: Translate,
  locale: Locale,
  b: { importedAt: Date | null; updatedAt: Date; createdCount: number; attachedCount: number },
): string {
  return t("import.alreadyImported", { date: formatDate(b.importedAt ?? b.updatedAt, locale), created: b.createdCount, attached: b.attachedCount });
}

export function doneText(t: Translate, d: ImportDone): string {
  const counts = t("import.result.done", { created: d.created, attached: d.attached, skipped: d.skipped });
  return d.firstReference && d.lastReference ? `${counts}\n${t("import.result.references", { first: d.firstReference, last: d.lastReference })}` : counts;
}

/** Why a confirmation did nothing. */
export function confirmRefusalText(t: Translate, locale: Locale, outcome: Extract<ConfirmOutcome, { ok: false }>): string {
  switch (outcome.reason) {
    case "NOT_FOUND":
      return t("import.result.notFound");
    case "FORBIDDEN":
      return t("import.result.forbidden");
    case "IN_PROGRESS":
      return t("import.inProgress");
    case "CANCELLED":
      return t("import.result.alreadyCancelled");
    case "EXPIRED":
      return t("import.result.expired");
    case "ALREADY_IMPORTED":
      return alreadyImportedText(t, locale, outcome.batch);
  }
}

/** Schools a summary names; the others are counted (a district has dozens, the académie hundreds). */
export const SUMMARY_SCHOOLS = 10;

/** What a recipient hears of a confirmed import: in a channel, the district's figures school by
 *  school; in a référent's personal chat, their school's. Counts only: a channel is seen by all
 *  its members, and the cases themselves are one « à traiter » away. */
export function importSummaryCard(t: Translate, spec: Extract<RenderSpec, { view: "importSummary" }>, audience: "channel" | "personal"): AdaptiveCardJson {
  const onlySchool = spec.schools.length === 1 ? spec.schools[0]!.name : null;
  const place =
    audience === "channel"
      ? spec.districts.length === 1
        ? spec.districts[0]!
        : t("import.summary.districts", { count: spec.districts.length })
      : (onlySchool ?? t("import.summary.yourSchools", { count: spec.schools.length }));
  const title = t("import.summary.title", { count: spec.total, place });
  // A référent of one school reads its name in the title: a breakdown would repeat it.
  const listed = audience === "personal" && onlySchool !== null ? [] : spec.schools.slice(0, SUMMARY_SCHOOLS);
  const others = spec.schools.length - SUMMARY_SCHOOLS;
  return renderCard("import-summary", {
    title: spec.attached > 0 ? `${title} ${t("import.summary.attached", { count: spec.attached })}` : title,
    schoolsTitle: listed.length > 0 ? t("import.summary.schoolsTitle") : "",
    columns: { school: t("import.summary.schoolColumn"), count: t("import.summary.countColumn") },
    schools: listed.map((s) => ({ name: s.name, count: String(s.count) })),
    others: listed.length > 0 && others > 0 ? t("import.summary.others", { count: others }) : "",
    hint: t(audience === "channel" ? "import.summary.hintChannel" : "import.summary.hintPersonal"),
  } satisfies ImportSummaryCardData);
}
