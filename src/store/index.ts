import type { Database } from "./database.js";
import { DatabaseStorage } from "./bot-state-storage.js";
import { ConversationRepository } from "./conversations.js";
import { MemberRepository } from "./members.js";
import { CaseChangeRepository, CaseRepository } from "./cases.js";
import { RoutingChannelRepository } from "./routing-channels.js";
import { PlanRepository } from "./plans.js";
import { OutboxRepository } from "./outbox.js";
import { ReviewReminderRepository } from "./review-reminders.js";
import { IdleCaseRepository } from "./idle-cases.js";
import { ProcessedActivityRepository } from "./processed-activities.js";
import { SchoolRepository } from "./schools.js";
import { ImportRepository } from "./imports.js";
import { CallRepository } from "./calls.js";
import { CaseQueryRepository } from "./case-queries.js";
import { PrivacyRepository } from "./privacy.js";
import { JobRunRepository } from "./job-runs.js";
import { bindDemoIdentities, isDatabaseEmpty, upsertDemoChannels } from "./demo-seed.js";
import { StatisticsRepository } from "./statistics.js";
import { TurnStartRepository } from "./turn-start.js";
import { DirectoryPeopleRepository } from "./directory-people.js";
import { MemberEventRepository } from "./member-events.js";
import { EnrolmentRepository } from "./enrolments.js";
import { GpdsRepository } from "./gpds.js";
import { AcademySettingRepository } from "./academy-settings.js";
import { AcademieTransferRepository } from "./academie-transfer.js";
import { PupilLinkRepository } from "./pupil-links.js";

/** Everything the services need from the database, behind plain TypeScript types. */
export type Store = {
  db: Database;
  botState: DatabaseStorage;
  turnStart: TurnStartRepository;
  conversations: ConversationRepository;
  members: MemberRepository;
  schools: SchoolRepository;
  cases: CaseRepository;
  caseChanges: CaseChangeRepository;
  routingChannels: RoutingChannelRepository;
  plans: PlanRepository;
  outbox: OutboxRepository;
  reviewReminders: ReviewReminderRepository;
  idleCases: IdleCaseRepository;
  processedActivities: ProcessedActivityRepository;
  imports: ImportRepository;
  calls: CallRepository;
  caseQueries: CaseQueryRepository;
  privacy: PrivacyRepository;
  jobRuns: JobRunRepository;
  statistics: StatisticsRepository;
  directoryPeople: DirectoryPeopleRepository;
  memberEvents: MemberEventRepository;
  enrolments: EnrolmentRepository;
  gpds: GpdsRepository;
  academySettings: AcademySettingRepository;
  /** Cases carried to and from another académie (issue 26). */
  academieTransfers: AcademieTransferRepository;
  /** « Même élève ? » answers (issue 26). */
  pupilLinks: PupilLinkRepository;
  /** What the demo seed needs besides the directory imports (services/demo-academie.ts). */
  demo: { isEmpty(): Promise<boolean>; bindIdentities(tenantId: string, now: Date): Promise<number>; upsertChannels(): Promise<void> };
};

export function createStore(db: Database): Store {
  const turnStart = new TurnStartRepository(db.kysely);
  return {
    db,
    botState: new DatabaseStorage(db.kysely),
    turnStart,
    conversations: new ConversationRepository(db.kysely),
    members: new MemberRepository(db.kysely, turnStart),
    schools: new SchoolRepository(db.kysely),
    cases: new CaseRepository(db.kysely),
    caseChanges: new CaseChangeRepository(db.kysely),
    routingChannels: new RoutingChannelRepository(db.kysely),
    plans: new PlanRepository(db.kysely),
    outbox: new OutboxRepository(db.kysely),
    reviewReminders: new ReviewReminderRepository(db.kysely),
    idleCases: new IdleCaseRepository(db.kysely),
    processedActivities: new ProcessedActivityRepository(db.kysely),
    imports: new ImportRepository(db.kysely),
    calls: new CallRepository(db.kysely),
    statistics: new StatisticsRepository(db.kysely),
    caseQueries: new CaseQueryRepository(db.kysely),
    privacy: new PrivacyRepository(db.kysely),
    jobRuns: new JobRunRepository(db.kysely),
    directoryPeople: new DirectoryPeopleRepository(db.kysely),
    memberEvents: new MemberEventRepository(db.kysely),
    enrolments: new EnrolmentRepository(db.kysely),
    gpds: new GpdsRepository(db.kysely),
    academySettings: new AcademySettingRepository(db.kysely),
    academieTransfers: new AcademieTransferRepository(db.kysely),
    pupilLinks: new PupilLinkRepository(db.kysely),
    demo: {
      isEmpty: () => isDatabaseEmpty(db.kysely),
      bindIdentities: (tenantId, now) => bindDemoIdentities(db.kysely, tenantId, now),
      upsertChannels: () => upsertDemoChannels(db.kysely),
    },
  };
}

export { ensureEmbeddedTemplates, openDatabase, type Database, type OpenOptions } from "./database.js";
export { DataDirLockedError, lockHolder } from "./pglite-server.js";
export { writeBackup, listBackups, restoreBackup, backupDir, recordBackupFailure, backupFailureSince } from "./backups.js";
export { freeDiskBytes } from "./disk-space.js";
export { ETagConflictError, type StoreItem, type StoreItems } from "./bot-state-storage.js";
export type { StoredConversation, ConversationKind } from "./conversations.js";
export type { MemberRecord } from "./members.js";
export type { MessageTurnStart, InvokeTurnStart } from "./turn-start.js";
export type { SchoolSummary } from "./schools.js";
export { VersionConflictError } from "./cases.js";
export type { IdleCandidate, ClosureDue } from "./idle-cases.js";
export type { NewReport, OpenCaseMatch, RecordedReport, CaseRecord, CaseChange, CaseTransferRecord, TransferTarget, InfoExchange } from "./cases.js";
export type { OutgoingMessage, RenderSpec } from "./outgoing-message.js";
export type { MemberSummary } from "./members.js";
export { UnknownPlanActionError } from "./plans.js";
export type { OutboxPayload, OutboxRecord } from "./outbox.js";
export type { PlanRecord, PlanActionRecord, PlanActionFields, PlanOp } from "./plans.js";
export type { ImportBatchRecord, ImportTarget, ImportedGroup, RowMatch } from "./imports.js";
export type { CaseSummaryRow, CaseListRows, CaseFilter, StatusCount, CaseCriteria, CaseOrder } from "./case-queries.js";
export type { PupilCases, PupilExport, DownloadMember, AnonymizeCause } from "./privacy.js";
export type { StatsFilter, RawStats, CaseExportRow, DataExportRecord } from "./statistics.js";
export type { WeeklyDigestCounts } from "./outgoing-message.js";
export type { PackageSource, TransferPackageRow } from "./academie-transfer.js";
export type { PupilLinkOutcome } from "./pupil-links.js";
export { SAME_PERSON_EVENTS } from "./pupil-links.js";
