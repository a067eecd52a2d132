import { z } from "zod";

/** The closed list of Action.Execute verbs (Universal Actions). An invoke with any other verb is
 *  refused before it reaches a service. */
export const EXECUTE_VERBS = [
  "case.takeCharge",
  "case.assign",
  "case.requestInfo",
  "case.dismiss",
  "case.reopen",
  /** The answers to the daily job's proposal to close an idle case (domain/idle-cases.ts). */
  "case.closeLostContact",
  "case.keepOpen",
  /** The transfer form (issue 26): schools matching what was typed, then the transfer itself. */
  "case.transferSearch",
  "case.transfer",
  "case.escalate",
  /** The référent (or chef d'établissement) completes a pupil's birth date (cases reported without one). */
  "case.setBirthDate",
  /** What was done with the family (informed, met, agreements), from the case or plan card. */
  "case.recordFamily",
  "case.openPlan",
  "case.details",
  "case.refresh",
  "plan.addAction",
  "plan.setActionStatus",
  "plan.editAction",
  "plan.setReview",
  "plan.close",
  "plan.validate",
  "case.history",
  "case.answerInfo",
  "plan.view",
  "outbox.requeue",
  "import.confirm",
  "import.cancel",
  "privacy.export",
  "privacy.erase",
  "privacy.cancel",
  "enrolment.approve",
  "enrolment.refuse",
  "member.open",
  "member.changeRole",
  "member.handOver",
  "member.deactivate",
  // The académie's directory files sent in Teams (schools and bassins, staff list).
  "directory.confirm",
  "directory.cancel",
  // The GPDS agenda card: the decisions of its lines and who attended; closing the séance.
  "gpds.decide",
  "gpds.close",
  // The MLDS call campaign: a call's outcome recorded; another page of the list.
  "calls.record",
  "calls.page",
  // A case received from another académie (issue 26): created in the chosen school, or not.
  "academieTransfer.confirm",
  "academieTransfer.cancel",
  // « Même élève ? » (issue 26): two pupil rows that may be one young person, answered by who sees both.
  "case.samePerson",
] as const;
export const ExecuteVerb = z.enum(EXECUTE_VERBS);
export type ExecuteVerb = z.infer<typeof ExecuteVerb>;

/** The value of an Action.Execute invoke, parsed as a whole before anything reads it: a verb of
 *  the list, data an object (each handler parses its own fields). */
export const InvokeValue = z
  .object({
    action: z
      .object({
        type: z.literal("Action.Execute"),
        verb: ExecuteVerb,
        data: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();
export type InvokeValue = z.infer<typeof InvokeValue>;

/** Action.Submit payloads carry an `action` field from this closed list: they drive the
 *  personal-chat dialogs (a submit arrives as a message activity with `value`). */
export const SUBMIT_ACTIONS = [
  "report.start",
  "report.pupil",
  "report.signals",
  "report.notes",
  "report.steps",
  "report.confirm",
  "report.edit",
  "report.cancel",
  "report.attach",
  "report.separate",
  "report.resume",
  "query.name",
  "help",
  "enrol.search",
  "enrol.request",
] as const;
export const SubmitAction = z.enum(SUBMIT_ACTIONS);
export type SubmitAction = z.infer<typeof SubmitAction>;
