import type { Selectable } from "kysely";
import { ANONYMOUS_PUPIL } from "../domain/retention.js";
import type { DB } from "./kysely.js";

/**
 * What anonymisation (retention, erasure requests) does to every text, text-array and JSON column
 * of the schema, declared in one place and applied from here (privacy.ts). The type requires an
 * entry for each such column of the generated schema types, and a test compares it with the
 * database's own columns: a new column cannot be kept silently.
 *
 * - keep: the column holds no identity and no text typed by a person, or the statistics need it
 *   (school, class, birth year, codes, dates, statuses); the reason says which.
 * - erase: emptied on the anonymised case's rows, with the value given.
 * - transient: the rows go away by another rule (named), long before retention.
 */
export type ColumnFate =
  | { keep: string }
  | { erase: null | "" | typeof ANONYMOUS_PUPIL.lastName | typeof ANONYMOUS_PUPIL.firstName }
  | { eraseKeys: "FREE_TEXT_EVENT_KEYS" }
  | { transient: string };

type IsText<T> = string extends T ? true : string[] extends T ? true : false;
type TextColumns<Row> = { [K in keyof Row]-?: IsText<Row[K]> extends true ? K : never }[keyof Row];
export type ColumnFates = { readonly [T in keyof DB]: { readonly [C in TextColumns<Selectable<DB[T]>>]: ColumnFate } };

const KEY = { keep: "an identifier or a reference between rows" } as const;
const CODE = { keep: "a code from a fixed list, kept for statistics" } as const;

export const COLUMN_FATES = {
  District: { id: KEY, code: CODE, name: { keep: "the académie's own data" }, departmentCode: CODE },
  School: {
    id: KEY,
    uai: CODE,
    name: { keep: "the académie's own data" },
    city: { keep: "the académie's own data" },
    departmentCode: CODE,
    academyCode: CODE,
    districtId: KEY,
  },
  Member: {
    id: KEY,
    tenantId: KEY,
    aadObjectId: KEY,
    displayName: { keep: "staff, not pupils: the audit names who did what" },
    email: { keep: "staff, not pupils" },
    function: { keep: "staff, not pupils: the function the staff list gives" },
    locale: { keep: "a setting" },
    districtId: KEY,
    departmentCode: CODE,
  },
  MemberEvent: { id: KEY, memberId: KEY, actorId: KEY, kind: CODE, detail: { keep: "staff, not pupils: what changed in the directory and who did it" } },
  Enrolment: {
    id: KEY,
    tenantId: KEY,
    aadObjectId: KEY,
    displayName: { keep: "staff, not pupils" },
    email: { keep: "staff, not pupils" },
    locale: { keep: "a setting" },
    function: { keep: "staff, not pupils: the function the person gave" },
    schoolId: KEY,
    districtId: KEY,
    departmentCode: CODE,
    decidedById: KEY,
    memberId: KEY,
  },
  MemberSchool: { memberId: KEY, schoolId: KEY },
  Pupil: {
    id: KEY,
    schoolId: KEY,
    lastName: { erase: ANONYMOUS_PUPIL.lastName },
    firstName: { erase: ANONYMOUS_PUPIL.firstName },
    nameKey: { erase: "" },
    className: { keep: "statistics by class (a class has many pupils)" },
    ine: { erase: null },
  },
  PupilContact: { pupilId: KEY, phone: { erase: null }, email: { erase: null } },
  // « Même élève ? » answers: the row is deleted when either pupil loses their identity (privacy.ts anonymizePupils).
  PupilLink: {
    pupilId: { transient: "deleted with either pupil's identity (anonymisation)" },
    otherPupilId: { transient: "deleted with either pupil's identity (anonymisation)" },
    decidedById: KEY,
  },
  CaseCounter: {},
  Case: {
    id: KEY,
    reference: KEY,
    pupilId: KEY,
    schoolId: KEY,
    districtId: KEY,
    sourceLabel: { keep: "the name of an import campaign" },
    reporterId: KEY,
    assigneeId: KEY,
  },
  Report: { id: KEY, caseId: KEY, reporterId: KEY, submissionKey: KEY, stepsTaken: CODE, observations: { erase: null } },
  ReportSignal: { id: KEY, reportId: KEY, code: CODE, family: CODE, note: { erase: null } },
  Plan: { id: KEY, caseId: KEY, objective: { erase: "" }, createdById: KEY },
  PlanAction: { id: KEY, planId: KEY, type: CODE, description: { erase: "" }, partner: CODE, company: { erase: null }, validation: CODE, validatedById: KEY },
  Outcome: { caseId: KEY, comment: { erase: null }, decidedById: KEY },
  CaseFamily: { caseId: KEY, metBy: { erase: null }, updatedById: KEY },
  CallAttempt: { id: KEY, caseId: KEY, byId: KEY, outcome: CODE, note: { erase: null } },
  CaseEvent: { id: KEY, caseId: KEY, actorId: KEY, type: CODE, data: { eraseKeys: "FREE_TEXT_EVENT_KEYS" } },
  CaseTransfer: {
    id: KEY,
    caseId: KEY,
    fromSchoolId: KEY,
    toSchoolId: KEY,
    fromDistrictId: KEY,
    toDistrictId: KEY,
    byId: KEY,
    reason: { erase: "" },
  },
  RoutingChannel: { id: KEY, districtId: KEY, teamId: KEY, channelId: KEY, name: { keep: "a Teams channel's name" } },
  ChannelPost: { id: KEY, caseId: KEY, conversationId: KEY, activityId: KEY },
  ConversationRef: {
    conversationId: KEY,
    tenantId: KEY,
    aadObjectId: KEY,
    teamId: KEY,
    channelId: KEY,
    serviceUrl: KEY,
    reference: { keep: "Teams addresses of staff and channels" },
  },
  OutboxMessage: {
    id: KEY,
    conversationId: KEY,
    kind: CODE,
    payload: { keep: "views named by case id, and counts: cards are drawn at delivery from the case as it is then" },
    dedupeKey: KEY,
    lockedBy: KEY,
    lastError: { keep: "an error of Teams' service" },
    resultActivityId: KEY,
    caseId: KEY,
  },
  OutboxPace: { conversationId: KEY },
  BotState: { key: KEY, data: { transient: "an unfinished report is deleted after 30 idle days (retention job)" }, eTag: KEY },
  ProcessedActivity: { activityId: { transient: "deleted after a day (review reminders job)" } },
  JobRun: { name: KEY, lockedBy: KEY },
  ImportBatch: {
    id: KEY,
    fileHash: KEY,
    fileName: { keep: "the name of a file sent by a coordinator" },
    districtId: KEY,
    importedById: KEY,
    sourceLabel: { keep: "the name of an import campaign" },
    rows: { transient: "dropped once the batch is imported, cancelled or expired" },
    status: CODE,
  },
  DirectoryImport: {
    id: KEY,
    kind: CODE,
    fileHash: KEY,
    fileName: { keep: "the name of a file sent by an admin" },
    academyCode: CODE,
    importedById: KEY,
    status: CODE,
    summary: { keep: "counts and errors of a directory file: schools and staff, never pupils" },
    rows: { transient: "dropped once the file is applied or cancelled" },
  },
  AcademySetting: { key: CODE, value: { keep: "the académie's own data: its notice for families" }, updatedById: KEY },
  DataExport: { id: KEY, memberId: KEY, kind: CODE, scope: { keep: "a period and schools, never a pupil" } },
  GpdsMeeting: {
    id: KEY,
    schoolId: KEY,
    createdById: KEY,
    attendeeIds: { keep: "members (staff) who attended, never a pupil" },
    agendaCaseIds: { keep: "ids of the cases on the agenda (a purged case is left out when read)" },
    agendaReviewIds: { keep: "ids of the cases on the agenda as reviews" },
    closedById: KEY,
  },
  GpdsSpace: { schoolId: KEY, conversationId: KEY, registeredById: KEY },
  AcademieTransfer: {
    id: KEY,
    direction: CODE,
    digest: KEY,
    caseId: KEY,
    memberId: KEY,
    academie: { keep: "the name of an académie" },
    body: {
      transient:
        "a case package: emptied once downloaded or imported, deleted when its link (24 h) or its preview expires (services/academie-transfer.ts cleanup)",
    },
    importedCaseId: KEY,
  },
} as const satisfies ColumnFates;

/** The columns a table empties on anonymised rows, with their new values. */
export function erasedValues<T extends keyof typeof COLUMN_FATES>(table: T): Record<string, null | string> {
  const values: Record<string, null | string> = {};
  for (const [column, fate] of Object.entries(COLUMN_FATES[table])) if ("erase" in fate) values[column] = fate.erase;
  return values;
}
