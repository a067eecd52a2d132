import { setTimeout as sleep } from "node:timers/promises";
import { MessageFactory, type Activity, type TurnContext } from "botbuilder";
import { z } from "zod";
import type { Logger } from "../../logging.js";
import type { Actor, Services } from "../../services/index.js";
import type { ConfirmOutcome } from "../../services/imports.js";
import type { AdaptiveCardJson } from "../cards/card-renderer.js";
import type { CardActionRequest } from "../cards/card-action.js";
import { cardMessage } from "../cards/card-message.js";
import { noticeCard } from "../cases/case-views.js";
import type { Locale, Translate } from "../i18n.js";
import { confirmRefusalText, doneText, importPreviewCard, previewRefusalText } from "./import-views.js";
import { downloadAttachment, DownloadError } from "../platform/attachment-download.js";

/** Rentrée campaign lists sent to the bot in personal chat: Teams hands the bot a download URL for
 *  the file; the bot downloads it, answers with the preview card, and imports on "Importer". */

export const FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info";

export const TEAMS_IMPORT = {
  maxBytes: 5 * 1024 * 1024,
  downloadTimeoutMs: 30_000,
  /** Teams waits about 10 s for an invoke: a longer import answers "in progress" and goes on. */
  inlineWaitMs: 5_000,
  /** A long import writes every this many rows. */
  progressEvery: 2_000,
};

export type ImportHandlerDeps = {
  services: Services;
  logger: Logger;
  /** Tells the outbox worker that messages were queued. */
  onQueued: () => void;
};

const FileDownloadInfo = z
  .object({
    contentType: z.literal(FILE_DOWNLOAD_INFO),
    name: z.string().min(1).max(255),
    content: z.object({ downloadUrl: z.string().url(), fileType: z.string().optional() }).loose(),
  })
  .loose();

export type FileAttachment = { name: string; downloadUrl: string; fileType: string | null };

/** The files of a message (Teams' file download info), in their order. */
export function fileAttachmentsOf(activity: Partial<Activity>): FileAttachment[] {
  const files: FileAttachment[] = [];
  for (const a of activity.attachments ?? []) {
    const parsed = FileDownloadInfo.safeParse(a);
    if (parsed.success) files.push({ name: parsed.data.name, downloadUrl: parsed.data.content.downloadUrl, fileType: parsed.data.content.fileType ?? null });
  }
  return files;
}

/** The file of a message, when it carries one. */
export function fileAttachmentOf(activity: Partial<Activity>): FileAttachment | null {
  return fileAttachmentsOf(activity)[0] ?? null;
}

export function isCsvFile(file: FileAttachment): boolean {
  return /\.csv$/i.test(file.name) || file.fileType?.toLowerCase() === "csv";
}

/** A message with a file: true when it was one (answered here), false to let the bot go on. */
/** Receiving a file needs to know where it may be downloaded from (IMPORT_DOWNLOAD_HOSTS). */
export type ImportUploadDeps = ImportHandlerDeps & { downloads: { hosts: readonly string[]; allowLoopback: boolean } };

export async function handleImportUpload(ctx: TurnContext, deps: ImportUploadDeps, actor: Actor | null, t: Translate, locale: Locale): Promise<boolean> {
  const file = fileAttachmentOf(ctx.activity);
  if (!file) return false;
  const reply = async (text: string) => void (await ctx.sendActivity(MessageFactory.text(text)));
  if ((ctx.activity.conversation?.conversationType ?? "personal") !== "personal") return reply(t("import.personalOnly")).then(() => true);
  if (!actor) return reply(t("import.unknownMember")).then(() => true);
  if (!deps.services.imports.mayImport(actor)) return reply(t("import.forbidden")).then(() => true);
  if (!isCsvFile(file)) return reply(t("import.notCsv")).then(() => true);

  const bytes = await downloadListFile(ctx, deps, file, t);
  if (bytes === null) return true;
  await answerCampaignFile(ctx, deps, actor, t, locale, file, bytes);
  return true;
}

/** Downloads a file sent to the bot within the limits; null when it could not (and said why). */
export async function downloadListFile(
  ctx: TurnContext,
  deps: Pick<ImportUploadDeps, "downloads" | "logger">,
  file: FileAttachment,
  t: Translate,
): Promise<Uint8Array | null> {
  try {
    return await downloadAttachment(file.downloadUrl, { ...deps.downloads, maxBytes: TEAMS_IMPORT.maxBytes, timeoutMs: TEAMS_IMPORT.downloadTimeoutMs });
  } catch (err) {
    const reason = err instanceof DownloadError ? err.reason : "FAILED";
    deps.logger.warn({ err: (err as Error).message, reason, activityId: ctx.activity.id }, "list download failed");
    const text = {
      TOO_BIG: t("import.tooBig", { max: TEAMS_IMPORT.maxBytes / 1024 / 1024 }),
      REFUSED: t("protection.downloadRefused"),
      NOT_A_FILE: t("import.notCsv"),
      FAILED: t("import.downloadFailed"),
    }[reason];
    await ctx.sendActivity(MessageFactory.text(text));
    return null;
  }
}

/** A campaign list downloaded: the preview card, or why not. */
export async function answerCampaignFile(
  ctx: TurnContext,
  deps: ImportHandlerDeps,
  actor: Actor,
  t: Translate,
  locale: Locale,
  file: FileAttachment,
  bytes: Uint8Array,
): Promise<void> {
  const reply = async (text: string) => void (await ctx.sendActivity(MessageFactory.text(text)));
  const outcome = await deps.services.imports.preview({ kind: "member", actor }, { name: file.name, bytes });
  if (!outcome.ok) await reply(previewRefusalText(t, locale, outcome));
  else await ctx.sendActivity(cardMessage(importPreviewCard(t, outcome.preview)));
}

export const ImportActionData = z.object({ batchId: z.uuid() }).loose();
export type ImportActionData = z.infer<typeof ImportActionData>;

/** "Importer" and "Annuler" on the preview card (Action.Execute): answers with the card to show in
 *  its place. An import that takes longer than Teams waits for an invoke answers "in progress",
 *  goes on, and writes its progress and its end in the chat through the outbox. */
export async function handleImportAction(request: CardActionRequest<ImportActionData>): Promise<AdaptiveCardJson> {
  const { ctx, actor, t, locale, verb } = request;
  const deps = request;
  if (!actor) return noticeCard(t("import.unknownMember"), "", "Attention");
  const importer = { kind: "member" as const, actor };
  const { batchId } = request.data;

  if (verb === "import.cancel") {
    const outcome = await deps.services.imports.cancel(importer, batchId);
    if (outcome.ok) return noticeCard(t("import.result.cancelled"), "", "Good");
    const text = { NOT_FOUND: t("import.result.notFound"), FORBIDDEN: t("import.result.forbidden"), NOT_A_PREVIEW: t("import.result.notAPreview") }[
      outcome.reason
    ];
    return noticeCard(text, "", "Attention");
  }

  const conversationId = ctx.activity.conversation.id;
  const notify = async (text: string, key: string) => {
    await deps.services.imports.notify(conversationId, MessageFactory.text(text) as Record<string, unknown>, `import:${batchId}:${key}`);
    deps.onQueued();
  };
  let answered = false;
  let reported = 0;
  let knownTotal: number | null = null;
  const job = deps.services.imports.confirm(importer, batchId, {
    onProgress: async (done, total) => {
      knownTotal = total;
      if (!answered || done >= total || Math.floor(done / TEAMS_IMPORT.progressEvery) === Math.floor(reported / TEAMS_IMPORT.progressEvery)) return;
      reported = done;
      await notify(t("import.result.progress", { done, total }), `progress:${done}`);
    },
  });
  const settled = job.then(
    (outcome) => ({ outcome }),
    (error: unknown) => ({ error }),
  );
  const first = await Promise.race([settled, sleep(TEAMS_IMPORT.inlineWaitMs).then(() => null)]);
  if (first) {
    if ("error" in first) throw first.error; // the bot answers with its generic error card
    deps.onQueued();
    return confirmCard(t, locale, first.outcome);
  }
  answered = true;
  void settled.then(async (r) => {
    try {
      if ("error" in r) {
        deps.logger.error({ err: r.error, batchId }, "list import failed");
        await notify(t("import.result.failed"), `failed:${Date.now()}`);
      } else if (r.outcome.ok) {
        const d = r.outcome.result;
        await notify(
          `${t("import.result.finished", { name: d.fileName, created: d.created, attached: d.attached, skipped: d.skipped })}${d.firstReference && d.lastReference ? `\n\n${t("import.result.references", { first: d.firstReference, last: d.lastReference })}` : ""}`,
          "done",
        );
      } else {
        await notify(confirmRefusalText(t, locale, r.outcome), `refused:${Date.now()}`);
      }
    } catch (err) {
      deps.logger.error({ err, batchId }, "could not queue the end of a list import");
    }
  });
  const total = knownTotal ?? (await deps.services.imports.waitingRows(batchId));
  return noticeCard(t("import.result.started", { total }), "", "Accent");
}

function confirmCard(t: Translate, locale: Locale, outcome: ConfirmOutcome): AdaptiveCardJson {
  if (outcome.ok) return noticeCard(t("import.result.title"), doneText(t, outcome.result), "Good");
  return noticeCard(
    confirmRefusalText(t, locale, outcome),
    "",
    outcome.reason === "IN_PROGRESS" || outcome.reason === "ALREADY_IMPORTED" ? "Accent" : "Attention",
  );
}
