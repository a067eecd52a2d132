import { MessageFactory, type TurnContext } from "botbuilder";
import { z } from "zod";
import { CASE_PACKAGE_LIMITS, parseAcademieExportCommand } from "../../domain/case-package.js";
import type { ConfirmResult, PackagePreview, ReceiveResult } from "../../services/academie-transfer.js";
import type { Actor, Services } from "../../services/index.js";
import type { Logger } from "../../logging.js";
import type { CardActionRequest } from "../cards/card-action.js";
import type { AcademieTransferPreviewCardData, StatsExportCardData } from "../cards/card-data.js";
import { cardMessage } from "../cards/card-message.js";
import { renderCard, type AdaptiveCardJson } from "../cards/card-renderer.js";
import { formatDate, noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import type { FileAttachment } from "../imports/import-handler.js";
import { downloadAttachment, DownloadError } from "../platform/attachment-download.js";

/**
 * Issue 26, a case that goes to ANOTHER académie (services/academie-transfer.ts), in the admins'
 * personal chat: `exporter D-2026-0042 vers Grenoble` answers with the signed link to the package
 * (the case is closed); the package's JSON file sent to the bot by an admin of the other académie
 * answers with a preview and a school to choose, and « Créer le dossier » opens the case there.
 */

const isPersonal = (ctx: TurnContext) => (ctx.activity.conversation?.conversationType ?? "personal") === "personal";

export function isAcademieExportCommand(text: string): boolean {
  return parseAcademieExportCommand(text) !== null;
}

/** `exporter D-2026-0042 vers <académie>` / `export D-2026-0042 to <académie>`. */
export async function answerAcademieExport(
  ctx: TurnContext,
  services: Services,
  actor: Actor | null,
  t: Translate,
  locale: Locale,
  text: string,
): Promise<boolean> {
  const command = parseAcademieExportCommand(text);
  if (!command) return false;
  if (!actor) return say(ctx, t("academieTransfer.unknownMember"));
  if (!services.academieTransfers.mayExport(actor)) return say(ctx, t("academieTransfer.exportForbidden"));
  if (!isPersonal(ctx)) return say(ctx, t("academieTransfer.personalOnly"));
  const result = await services.academieTransfers.exportCase(actor, command.reference, command.academie);
  if (!result.ok) {
    const reference = result.reference ?? command.reference;
    const texts = {
      FORBIDDEN: t("academieTransfer.exportForbidden"),
      NOT_FOUND: t("academieTransfer.notFound", { reference }),
      CLOSED: t("academieTransfer.closed", { reference }),
      CONFLICT: t("academieTransfer.conflict", { reference }),
      UNKNOWN_ACADEMIE: t("academieTransfer.unknownAcademie", { text: command.academie.slice(0, 60) }),
      SAME_ACADEMIE: t("academieTransfer.sameAcademie", { reference }),
    };
    return say(ctx, texts[result.reason]);
  }
  await ctx.sendActivity(
    cardMessage(
      renderCard("stats-export", {
        title: t("academieTransfer.exported.title", { reference: result.reference, academie: result.academie }),
        subtitle: t("academieTransfer.exported.subtitle", { date: formatDateTime(result.expiresAt, locale) }),
        body: t("academieTransfer.exported.body", { academie: result.academie, digest: result.digest }),
        download: t("academieTransfer.exported.download"),
        url: result.url,
      } satisfies StatsExportCardData),
    ),
  );
  return true;
}

/** A file sent to the bot that is a JSON file (not a CSV list): a case from another académie. */
export function isCasePackageFile(file: FileAttachment): boolean {
  return /\.json$/i.test(file.name) || file.fileType?.toLowerCase() === "json";
}

export type CasePackageUploadDeps = { services: Services; logger: Logger; downloads: { hosts: readonly string[]; allowLoopback: boolean } };

/** The JSON file of a case from another académie: checked, then previewed (or why not). */
export async function handleCasePackageUpload(
  ctx: TurnContext,
  deps: CasePackageUploadDeps,
  actor: Actor | null,
  t: Translate,
  file: FileAttachment,
): Promise<boolean> {
  if (!isPersonal(ctx)) return say(ctx, t("academieTransfer.personalOnly"));
  if (!actor) return say(ctx, t("academieTransfer.unknownMember"));
  if (!deps.services.academieTransfers.mayImport(actor)) return say(ctx, t("academieTransfer.importForbidden"));
  let bytes: Uint8Array;
  try {
    bytes = await downloadAttachment(file.downloadUrl, { ...deps.downloads, maxBytes: CASE_PACKAGE_LIMITS.maxBytes, timeoutMs: 30_000 });
  } catch (err) {
    const reason = err instanceof DownloadError ? err.reason : "FAILED";
    deps.logger.warn({ err: (err as Error).message, reason, activityId: ctx.activity.id }, "case package download failed");
    if (reason === "TOO_BIG") return say(ctx, t("academieTransfer.file.tooBig", { max: CASE_PACKAGE_LIMITS.maxBytes / 1024 }));
    if (reason === "REFUSED") return say(ctx, t("protection.downloadRefused"));
    return say(ctx, t("academieTransfer.file.downloadFailed"));
  }
  const result = await deps.services.academieTransfers.receive(actor, bytes);
  if (!result.ok) return say(ctx, refusalText(t, result));
  await ctx.sendActivity(cardMessage(previewCard(t, result.preview)));
  return true;
}

function refusalText(t: Translate, result: Extract<ReceiveResult, { ok: false }>): string {
  if (result.reason === "FORBIDDEN") return t("academieTransfer.importForbidden");
  if (result.reason === "ALREADY_IMPORTED") return t("academieTransfer.file.ALREADY_IMPORTED", { reference: result.reference });
  return t(`academieTransfer.file.${result.reason}`, { field: "field" in result && result.field ? result.field.slice(0, 60) : "—" });
}

export function previewCard(t: Translate, p: PackagePreview, notice = ""): AdaptiveCardJson {
  const facts = [
    {
      title: t("academieTransfer.preview.young"),
      value: t("academieTransfer.preview.youngValue", { initials: p.initials, birthYear: p.birthYear, className: p.className || "—" }),
    },
    { title: t("academieTransfer.preview.origin"), value: t("academieTransfer.preview.originValue", { academie: p.fromAcademie, reference: p.fromReference }) },
    { title: t("academieTransfer.preview.destination"), value: t("academieTransfer.preview.destinationValue", { academie: p.toAcademie }) },
    {
      title: t("academieTransfer.preview.contents"),
      value: t("academieTransfer.preview.contentsValue", { reports: p.reports, plan: p.planItems, history: p.historyItems }),
    },
  ];
  return renderCard("academie-transfer-preview", {
    packageId: p.packageId,
    notice,
    title: t("academieTransfer.preview.title", { academie: p.fromAcademie }),
    intro: t("academieTransfer.preview.intro"),
    facts,
    school: p.suggestedSchoolId ?? "",
    schools: p.schools.slice(0, 300).map((s) => ({ title: s.label, value: s.id })),
    labels: {
      school: t("academieTransfer.preview.school"),
      schoolError: t("academieTransfer.preview.schoolError"),
      confirm: t("academieTransfer.preview.confirm"),
      cancel: t("academieTransfer.preview.cancel"),
    },
  } satisfies AcademieTransferPreviewCardData);
}

export const AcademieTransferActionData = z
  .object({
    packageId: z.uuid(),
    schoolId: z.string().trim().max(64).optional(),
  })
  .loose();
export type AcademieTransferActionData = z.infer<typeof AcademieTransferActionData>;

/** « Créer le dossier » and « Annuler » on the preview (Action.Execute). */
export async function handleAcademieTransferAction(request: CardActionRequest<AcademieTransferActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, verb, data, services, onQueued } = request;
  if (!actor) return noticeCard(t("academieTransfer.unknownMember"), "", "Attention");
  if (!services.academieTransfers.mayImport(actor)) return noticeCard(t("academieTransfer.importForbidden"), "", "Attention");
  if (!isPersonal(ctx)) return noticeCard(t("academieTransfer.personalOnly"), "", "Attention");
  if (verb === "academieTransfer.cancel") {
    await services.academieTransfers.cancel(actor, data.packageId);
    return noticeCard(t("academieTransfer.result.cancelled"), "", "Good");
  }
  const result = await services.academieTransfers.confirm(actor, data.packageId, data.schoolId ?? "");
  if (result.ok) onQueued();
  return confirmCard(t, result);
}

function confirmCard(t: Translate, result: ConfirmResult): AdaptiveCardJson {
  if (result.ok)
    return noticeCard(
      t("academieTransfer.result.created", { reference: result.reference, school: result.schoolName, academie: result.fromAcademie }),
      "",
      "Good",
    );
  const text = {
    FORBIDDEN: t("academieTransfer.importForbidden"),
    NOT_FOUND: t("academieTransfer.result.notFound"),
    EXPIRED: t("academieTransfer.result.expired"),
    INVALID_SCHOOL: t("academieTransfer.result.invalidSchool"),
    ALREADY_IMPORTED: t("academieTransfer.file.ALREADY_IMPORTED", { reference: "reference" in result ? result.reference : "—" }),
  }[result.reason];
  return noticeCard(text, "", "Attention");
}

async function say(ctx: TurnContext, text: string): Promise<true> {
  await ctx.sendActivity(MessageFactory.text(text));
  return true;
}

function formatDateTime(d: Date, locale: Locale): string {
  const time = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }).format(d);
  return `${formatDate(d, locale)} ${locale === "fr" ? "à" : "at"} ${time}`;
}
