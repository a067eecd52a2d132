import { MessageFactory, TurnContext } from "botbuilder";
import { z } from "zod";
import { directoryFileKindOf, parseDirectoryHint, singleAcademyOf, type DirectoryFileKind } from "../../domain/directory/index.js";
import type { Actor } from "../../services/index.js";
import { readCsv } from "../../services/import-file.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { cardMessage } from "../cards/card-message.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import { noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import {
  answerCampaignFile,
  downloadListFile,
  fileAttachmentsOf,
  handleImportUpload,
  isCsvFile,
  type FileAttachment,
  type ImportUploadDeps,
} from "../imports/import-handler.js";
import { schoolsPreviewCard, peoplePreviewCard } from "./directory-import-views.js";
import { handleCasePackageUpload, isCasePackageFile } from "../academie-transfers/academie-transfer-handler.js";
import { peopleConfirmRefusalText, peopleDoneText, peopleRefusalText } from "./people-views.js";
import { schoolsDoneText, schoolsRefusalText } from "./school-directory-views.js";

/**
 * Files sent to the bot in personal chat: the académie's directory files (the ministry's school
 * directory, its bassins, the staff list) for its admins, else a rentrée campaign list
 * (imports/import-handler.ts). Which file it is comes from its column titles, or from the words sent
 * with it (« annuaire académie 10 », « personnels », « bassins »). A bassins file sent alone is kept
 * for the admin's next school directory; both may come in one message. Each directory file is
 * answered with a preview card, applied on « Confirmer » (Action.Execute, directory.confirm).
 */

type Received = { file: FileAttachment; bytes: Uint8Array; kind: DirectoryFileKind | null };

/** A message with one or more files: true when it was one (answered here), false to let the bot go on. */
export async function handleFileUpload(ctx: TurnContext, deps: ImportUploadDeps, actor: Actor | null, t: Translate, locale: Locale): Promise<boolean> {
  const files = fileAttachmentsOf(ctx.activity);
  if (files.length === 0) return false;
  // A JSON file is a case sent by another académie (issue 26), never a CSV list.
  const casePackage = files.find(isCasePackageFile);
  if (casePackage) return handleCasePackageUpload(ctx, deps, actor, t, casePackage);
  const reply = async (text: string) => void (await ctx.sendActivity(MessageFactory.text(text)));
  // Someone who may import neither kind of file, out of a personal chat, or unknown: the campaign
  // import's answers, unless the words say it is a directory file.
  const hint = parseDirectoryHint((TurnContext.removeRecipientMention(ctx.activity) ?? ctx.activity.text ?? "").trim());
  const personal = (ctx.activity.conversation?.conversationType ?? "personal") === "personal";
  const admin = actor !== null && deps.services.directorySchools.mayImport({ kind: "member", actor });
  if (personal && actor && !admin && hint.kind !== null) return reply(t("directoryImport.forbidden")).then(() => true);
  if (!personal || !actor || (!admin && !deps.services.imports.mayImport(actor))) return handleImportUpload(ctx, deps, actor, t, locale);

  const notCsv = files.find((f) => !isCsvFile(f));
  if (notCsv) return reply(t("import.notCsv")).then(() => true);
  const received: Received[] = [];
  for (const file of files) {
    const bytes = await downloadListFile(ctx, deps, file, t);
    if (bytes === null) return true;
    const csv = readCsv(bytes);
    const byHeader = csv.ok ? directoryFileKindOf(csv.records) : null;
    received.push({ file, bytes, kind: byHeader ?? (files.length === 1 ? hint.kind : null) });
  }

  if (received.every((r) => r.kind === null)) {
    // Not a directory file: a campaign list (its preview says what it lacks).
    await answerCampaignFile(ctx, deps, actor, t, locale, received[0]!.file, received[0]!.bytes);
    return true;
  }
  if (!admin) return reply(t("directoryImport.forbidden")).then(() => true);
  const unknown = received.find((r) => r.kind === null);
  if (unknown) return reply(t("directoryImport.unknownFile", { name: unknown.file.name.slice(0, 100) })).then(() => true);

  const importer = { kind: "member" as const, actor };
  const of = (kind: DirectoryFileKind) => received.find((r) => r.kind === kind) ?? null;
  const [schools, bassins, people] = [of("schools"), of("bassins"), of("people")];

  if (people) {
    const outcome = await deps.services.directoryPeople.preview(importer, { name: people.file.name, bytes: people.bytes });
    if (!outcome.ok) await reply(peopleRefusalText(t, outcome));
    else await ctx.sendActivity(cardMessage(peoplePreviewCard(t, outcome.preview)));
  }

  const directory = deps.services.directorySchools;
  if (!schools) {
    if (bassins) await keepBassins(ctx, deps, actor, t, bassins);
    return true;
  }
  const records = readCsv(schools.bytes);
  const academy = hint.academy ?? (records.ok ? singleAcademyOf(records.records) : null);
  if (academy === null) {
    // The bassins file is kept: only the directory comes again, with its académie.
    if (bassins) await keepBassins(ctx, deps, actor, t, bassins, false);
    return reply(t("directoryImport.academyNeeded", { name: schools.file.name.slice(0, 100) })).then(() => true);
  }
  const kept = bassins ? null : await directory.keptBassins(importer);
  const bassinsFile = bassins ? { name: bassins.file.name, bytes: bassins.bytes } : kept;
  const outcome = await directory.preview(importer, { academy, file: { name: schools.file.name, bytes: schools.bytes }, bassins: bassinsFile });
  if (!outcome.ok) return reply(schoolsRefusalText(t, outcome)).then(() => true);
  if (kept) await directory.useKeptBassins(kept.id);
  await ctx.sendActivity(cardMessage(schoolsPreviewCard(t, outcome.preview)));
  return true;
}

async function keepBassins(ctx: TurnContext, deps: ImportUploadDeps, actor: Actor, t: Translate, bassins: Received, say = true): Promise<void> {
  const outcome = await deps.services.directorySchools.keepBassins({ kind: "member", actor }, { name: bassins.file.name, bytes: bassins.bytes });
  const text = outcome.ok
    ? say
      ? t("directoryImport.bassinsKept", { name: bassins.file.name.slice(0, 100), schools: outcome.schools, bassins: outcome.bassins })
      : null
    : schoolsRefusalText(t, outcome);
  if (text) await ctx.sendActivity(MessageFactory.text(text));
}

export const DirectoryActionData = z.object({ kind: z.enum(["schools", "people"]), importId: z.uuid() }).loose();
export type DirectoryActionData = z.infer<typeof DirectoryActionData>;

/** « Confirmer » and « Annuler » on a directory preview card: the card shown in its place. */
export async function handleDirectoryAction(request: CardActionRequest<DirectoryActionData>): Promise<AdaptiveCardJson> {
  const { actor, t, verb, services } = request;
  if (!actor) return noticeCard(t("import.unknownMember"), "", "Attention");
  const importer = { kind: "member" as const, actor };
  const { kind, importId } = request.data;

  if (verb === "directory.cancel") {
    const cancelled =
      kind === "schools" ? await services.directorySchools.cancel(importer, importId) : await services.directoryPeople.cancel(importer, importId);
    return cancelled ? noticeCard(t("directoryImport.cancelled"), "", "Good") : noticeCard(t("directoryImport.notWaiting"), "", "Attention");
  }

  if (kind === "people") {
    const outcome = await services.directoryPeople.confirm(importer, importId);
    if (outcome.ok) return noticeCard(t("people.result.title"), peopleDoneText(t, outcome.result), "Good");
    return noticeCard(peopleConfirmRefusalText(t, outcome), "", outcome.reason === "ALREADY_APPLIED" ? "Accent" : "Attention");
  }
  const outcome = await services.directorySchools.confirm(importer, importId);
  if (!outcome.ok) return noticeCard(schoolsRefusalText(t, outcome), "", outcome.reason === "ALREADY_APPLIED" ? "Accent" : "Attention");
  const ownerless = outcome.result.ownerless.length;
  const body = [schoolsDoneText(t, outcome.result), ...(ownerless > 0 ? [t("directoryImport.ownerlessAfter", { count: ownerless })] : [])].join("\n\n");
  return noticeCard(t("directoryImport.schoolsDone"), body, "Good");
}
