import { RequeueActionData, requeueFailedSend } from "./admin/admin-commands.js";
import { cardAction, type CardAction } from "./cards/card-action.js";
import type { ExecuteVerb } from "./cards/card-verbs.js";
import { CaseActionData, handleCaseAction } from "./cases/case-actions.js";
import { handleImportAction, ImportActionData } from "./imports/import-handler.js";
import { handlePrivacyAction, PrivacyActionData } from "./privacy/privacy-commands.js";
import { EnrolmentActionData, handleEnrolmentCardAction } from "./directory/enrolment-handler.js";
import { handleMemberCardAction, MemberActionData } from "./directory/member-admin-handler.js";
import { DirectoryActionData, handleDirectoryAction } from "./directory/directory-import-handler.js";
import { GpdsActionData, handleGpdsAction } from "./gpds/gpds-actions.js";
import { CallActionData, handleCallAction } from "./calls/call-commands.js";
import { AcademieTransferActionData, handleAcademieTransferAction } from "./academie-transfers/academie-transfer-handler.js";
import { handleSamePersonAction, SamePersonActionData } from "./queries/same-person.js";

const caseAction = cardAction({ data: CaseActionData, handle: handleCaseAction });
const importAction = cardAction({ data: ImportActionData, handle: handleImportAction });
const privacyAction = cardAction({ data: PrivacyActionData, handle: handlePrivacyAction });
const enrolmentAction = cardAction({ data: EnrolmentActionData, handle: handleEnrolmentCardAction });
const memberAction = cardAction({ data: MemberActionData, handle: handleMemberCardAction });
const directoryAction = cardAction({ data: DirectoryActionData, handle: handleDirectoryAction });
const gpdsAction = cardAction({ data: GpdsActionData, handle: handleGpdsAction });
const callAction = cardAction({ data: CallActionData, handle: handleCallAction });
const academieTransferAction = cardAction({ data: AcademieTransferActionData, handle: handleAcademieTransferAction });

/** The table of card actions (Action.Execute): each verb of the closed list, the schema its data
 *  must pass (else the « carte non valide » notice) and its handler. Who may do what is decided by
 *  the services each handler calls (src/services, src/domain/permissions.ts), never here. */
export const CARD_ACTIONS: { readonly [Verb in ExecuteVerb]: CardAction } = {
  "case.takeCharge": caseAction,
  "case.assign": caseAction,
  "case.requestInfo": caseAction,
  "case.dismiss": caseAction,
  "case.reopen": caseAction,
  "case.closeLostContact": caseAction,
  "case.keepOpen": caseAction,
  "case.transferSearch": caseAction,
  "case.transfer": caseAction,
  "case.escalate": caseAction,
  "case.setBirthDate": caseAction,
  "case.recordFamily": caseAction,
  "case.openPlan": caseAction,
  "case.details": caseAction,
  "case.refresh": caseAction,
  "case.history": caseAction,
  "case.answerInfo": caseAction,
  "plan.view": caseAction,
  "plan.addAction": caseAction,
  "plan.setActionStatus": caseAction,
  "plan.editAction": caseAction,
  "plan.setReview": caseAction,
  "plan.close": caseAction,
  "plan.validate": caseAction,
  "outbox.requeue": cardAction({ data: RequeueActionData, handle: requeueFailedSend }),
  "import.confirm": importAction,
  "import.cancel": importAction,
  "privacy.export": privacyAction,
  "privacy.erase": privacyAction,
  "privacy.cancel": privacyAction,
  "enrolment.approve": enrolmentAction,
  "enrolment.refuse": enrolmentAction,
  "member.open": memberAction,
  "member.changeRole": memberAction,
  "member.handOver": memberAction,
  "member.deactivate": memberAction,
  "directory.confirm": directoryAction,
  "directory.cancel": directoryAction,
  "gpds.decide": gpdsAction,
  "gpds.close": gpdsAction,
  "calls.record": callAction,
  "calls.page": callAction,
  "academieTransfer.confirm": academieTransferAction,
  "academieTransfer.cancel": academieTransferAction,
  "case.samePerson": cardAction({ data: SamePersonActionData, handle: handleSamePersonAction }),
};
