import { randomUUID } from "node:crypto";
// Not the package index, which loads the prompts and Recognizers-Text (see bot.ts).
import { Dialog, type DialogTurnResult } from "botbuilder-dialogs/lib/dialog.js";
import type { DialogContext } from "botbuilder-dialogs/lib/dialogContext.js";
import type { TurnContext } from "botbuilder";
import { validateNotes, validatePupil, validateSignals, validateStepsTaken, type FieldErrors, type ReportDraft } from "../../domain/report-draft.js";
import { parseQuery } from "../../domain/query-parser.js";
import type { Services, Actor } from "../../services/index.js";
import type { OpenCaseMatch } from "../../store/index.js";
import { cardMessage } from "../cards/card-message.js";
import { REPORT_STEP_IN_FLIGHT } from "../platform/adapter.js";
import type { Translate } from "../i18n.js";
import { parseSubmit, type SubmitPayload } from "../cards/submit-payload.js";
import { confirmedCard, duplicateCard, notesCard, pupilCard, reportWaitingCard, signalsCard, stepsCard, summaryCard, type ReportStep } from "./report-views.js";

export const REPORT_DIALOG_ID = "report";

/** Where the fiche de repérage stands; kept in the dialog state (in the database), so a bot
 *  restart or another instance continues exactly here. */
type ReportState = {
  step: ReportStep;
  draft: ReportDraft;
  /** Identifies this report's cards and makes its confirmation idempotent. */
  draftId: string;
  /** Set after "Modifier" from the summary: a completed step goes back to the summary. */
  editing: boolean;
  duplicate?: OpenCaseMatch;
  /** The reporter said this pupil is not the one of that open case. */
  notSameAs?: string;
};

export type ReportDialogDeps = {
  services: Services;
  translate(ctx: TurnContext): Translate;
  actor(ctx: TurnContext): Actor | null;
  clock: () => Date;
  onQueued: () => void;
};

type Shown = { values?: Record<string, string>; errors?: FieldErrors };

/** The teacher's report, four steps on Adaptive Cards: pupil, signals, what was done, summary.
 *  « aide » explains the current step and « annuler » leaves, at any step. */
export class ReportDialog extends Dialog {
  constructor(private readonly deps: ReportDialogDeps) {
    super(REPORT_DIALOG_ID);
  }

  override async beginDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state: ReportState = { step: "pupil", draft: {}, draftId: randomUUID(), editing: false };
    dc.activeDialog!.state = state;
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as ReportState;
    const t = this.deps.translate(dc.context);
    const submit = parseSubmit(dc.context.activity.value);

    if (!submit) return this.interruption(dc, state, t);
    if (submit.action === "report.cancel") return this.cancel(dc, t);
    if (submit.action === "help") {
      await dc.context.sendActivity(t(`report.help.${state.step}`));
      return Dialog.EndOfTurn;
    }
    if (submit.action === "report.start" || submit.action === "report.resume") {
      if (submit.action === "report.start") await dc.context.sendActivity(t("report.alreadyInProgress"));
      await this.show(dc, state);
      return Dialog.EndOfTurn;
    }
    if (submit.draftId !== state.draftId || !this.expects(state.step, submit)) {
      await dc.context.sendActivity(t("report.staleCard"));
      await this.show(dc, state);
      return Dialog.EndOfTurn;
    }

    // Should this turn fail, the person is told that this step was not saved (adapter.ts).
    dc.context.turnState.set(REPORT_STEP_IN_FLIGHT, state.step);
    switch (state.step) {
      case "pupil":
        return this.receivePupil(dc, state, submit);
      case "duplicate":
        return this.receiveDuplicateChoice(dc, state, submit);
      case "signals":
        return this.receiveSignals(dc, state, submit);
      case "notes":
        return submit.action === "report.edit" ? this.backToSignals(dc, state) : this.receiveNotes(dc, state, submit);
      case "steps":
        return this.receiveStepsTaken(dc, state, submit);
      case "summary":
        return submit.action === "report.edit" ? this.edit(dc, state, submit) : this.confirm(dc, state, t);
    }
  }

  private expects(step: ReportStep, submit: SubmitPayload): boolean {
    switch (step) {
      case "pupil":
        return submit.action === "report.pupil";
      case "duplicate":
        return submit.action === "report.attach" || submit.action === "report.separate";
      case "signals":
        return submit.action === "report.signals";
      case "notes":
        return submit.action === "report.notes" || (submit.action === "report.edit" && submit.step === "signals");
      case "steps":
        return submit.action === "report.steps";
      case "summary":
        return submit.action === "report.confirm" || (submit.action === "report.edit" && submit.step !== undefined);
    }
  }

  private async interruption(dc: DialogContext, state: ReportState, t: Translate): Promise<DialogTurnResult> {
    const query = parseQuery(dc.context.activity.text ?? "");
    if (query.kind === "cancel") return this.cancel(dc, t);
    if (query.kind === "help" || query.kind === "report") {
      // « signaler » again: the step in progress, whether its card is above or was lost to a reload.
      await dc.context.sendActivity(query.kind === "help" ? t(`report.help.${state.step}`) : t("report.alreadyInProgress"));
      await this.show(dc, state);
      return Dialog.EndOfTurn;
    }
    await this.remind(dc);
    return Dialog.EndOfTurn;
  }

  /** Recalls the report in progress, with a button that shows its current step again. */
  async remind(dc: DialogContext): Promise<void> {
    const state = dc.activeDialog?.state as ReportState | undefined;
    if (!state?.step) return;
    await dc.context.sendActivity(cardMessage(reportWaitingCard(this.deps.translate(dc.context), state.step)));
  }

  private async cancel(dc: DialogContext, t: Translate): Promise<DialogTurnResult> {
    await dc.context.sendActivity(t("report.cancelled"));
    return dc.endDialog();
  }

  private async receivePupil(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    const actor = this.deps.actor(dc.context)!;
    const schools = await this.deps.services.reports.reportingSchools(actor);
    const result = validatePupil(submit, { allowedSchoolIds: schools.map((s) => s.id), currentYear: this.deps.clock().getFullYear() });
    if (!result.ok) {
      await this.show(dc, state, { values: result.values, errors: result.errors });
      return Dialog.EndOfTurn;
    }
    const samePupil =
      state.draft.pupil &&
      state.draft.pupil.schoolId === result.value.schoolId &&
      state.draft.pupil.birthYear === result.value.birthYear &&
      state.draft.pupil.lastName.toLowerCase() === result.value.lastName.toLowerCase() &&
      state.draft.pupil.firstName.toLowerCase() === result.value.firstName.toLowerCase();
    state.draft.pupil = result.value;
    if (!samePupil) delete state.draft.attachToCase;
    // An open case of the same pupil, else one closed less than a year ago that the report may reopen.
    const match =
      (await this.deps.services.reports.findOpenCase(actor, result.value)) ?? (await this.deps.services.reports.findReopenableCase(actor, result.value));
    if (match && match.caseId !== state.notSameAs && match.caseId !== state.draft.attachToCase?.caseId) {
      state.duplicate = match;
      state.step = "duplicate";
    } else {
      state.step = state.editing ? "summary" : "signals";
    }
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async receiveDuplicateChoice(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    const match = state.duplicate!;
    // The choice stays in the draft (the dialog state, in the database) until the report is sent.
    if (submit.action === "report.attach")
      state.draft.attachToCase = { caseId: match.caseId, reference: match.reference, ...(match.closedAt !== undefined ? { reopen: true } : {}) };
    else {
      delete state.draft.attachToCase;
      state.notSameAs = match.caseId;
    }
    delete state.duplicate;
    state.step = state.editing ? "summary" : "signals";
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async receiveSignals(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    // The CPE keeps the absences: the half-day count is theirs to give (optional for others).
    const result = validateSignals(submit, { halfDaysRequired: this.deps.actor(dc.context)?.role === "CPE" });
    if (!result.ok) {
      await this.show(dc, state, { values: result.values, errors: result.errors });
      return Dialog.EndOfTurn;
    }
    // The notes already written stay with the signals still ticked (the signals step shows no note).
    const before = new Map((state.draft.signals?.signals ?? []).map((e) => [e.code, e.note]));
    const signals = result.value.signals.map((e) => (e.note === undefined && before.get(e.code) ? { ...e, note: before.get(e.code)! } : e));
    state.draft.signals = { ...result.value, signals };
    state.step = "notes";
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async receiveNotes(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    const result = validateNotes(submit, state.draft.signals!.signals);
    if (!result.ok) {
      await this.show(dc, state, { values: result.values, errors: result.errors });
      return Dialog.EndOfTurn;
    }
    state.draft.signals = { ...state.draft.signals!, signals: result.value };
    state.step = state.editing ? "summary" : "steps";
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async receiveStepsTaken(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    const result = validateStepsTaken(submit);
    if (!result.ok) {
      await this.show(dc, state, { values: result.values, errors: result.errors });
      return Dialog.EndOfTurn;
    }
    state.draft.steps = result.value;
    state.step = "summary";
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async backToSignals(dc: DialogContext, state: ReportState): Promise<DialogTurnResult> {
    state.step = "signals";
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async edit(dc: DialogContext, state: ReportState, submit: SubmitPayload): Promise<DialogTurnResult> {
    state.editing = true;
    state.step = submit.step!;
    await this.show(dc, state);
    return Dialog.EndOfTurn;
  }

  private async confirm(dc: DialogContext, state: ReportState, t: Translate): Promise<DialogTurnResult> {
    const actor = this.deps.actor(dc.context)!;
    const outcome = await this.deps.services.reports.submit(actor, state.draft, state.draftId);
    if (!outcome.ok) {
      // The school closed meanwhile, the reporter lost the right to report for that school, or the
      // draft is incomplete.
      await dc.context.sendActivity(outcome.reason === "SCHOOL_CLOSED" ? t("schoolDirectory.report.closedSchool") : t("report.notAllowed"));
      return dc.endDialog();
    }
    if (!outcome.recorded.alreadyRecorded) this.deps.onQueued();
    await dc.context.sendActivity(cardMessage(confirmedCard(t, outcome.recorded, outcome.joined, outcome.toldInstead)));
    return dc.endDialog(outcome.recorded);
  }

  /** Sends the card of the current step, with what was typed and the errors when there are some. */
  private async show(dc: DialogContext, state: ReportState, shown: Shown = {}): Promise<void> {
    const t = this.deps.translate(dc.context);
    const base = { draftId: state.draftId, draft: state.draft, ...shown };
    switch (state.step) {
      case "pupil": {
        const actor = this.deps.actor(dc.context)!;
        // A closed school takes no new report: it is not offered.
        const schools = (await this.deps.services.reports.reportingSchools(actor)).filter((s) => s.state !== "CLOSED");
        const card = pupilCard(t, {
          ...base,
          schools,
          defaultSchoolId: schools.length === 1 ? schools[0]!.id : actor.schoolIds[0],
          currentYear: this.deps.clock().getFullYear(),
        });
        await dc.context.sendActivity(cardMessage(card));
        return;
      }
      case "duplicate":
        await dc.context.sendActivity(cardMessage(duplicateCard(t, { ...base, match: state.duplicate! })));
        return;
      case "signals":
        await dc.context.sendActivity(cardMessage(signalsCard(t, base)));
        return;
      case "notes":
        await dc.context.sendActivity(cardMessage(notesCard(t, base)));
        return;
      case "steps":
        await dc.context.sendActivity(cardMessage(stepsCard(t, base)));
        return;
      case "summary": {
        const actor = this.deps.actor(dc.context)!;
        const schools = await this.deps.services.reports.reportingSchools(actor);
        const schoolName = schools.find((s) => s.id === state.draft.pupil!.schoolId)?.name ?? "";
        await dc.context.sendActivity(cardMessage(summaryCard(t, { draftId: state.draftId, draft: state.draft, schoolName })));
        return;
      }
    }
  }
}
