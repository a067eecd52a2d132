import type { Store } from "../store/index.js";
import { ConversationService } from "./conversations.js";
import { HealthService } from "./health.js";
import { MemberService } from "./members.js";
import { ReportService } from "./reports.js";
import { RoutingService } from "./routing.js";
import { TriageService } from "./triage.js";
import { TransferService } from "./transfers.js";
import { PlanService } from "./plans.js";
import { ReviewReminderService } from "./review-reminders.js";
import { IdleCaseService } from "./idle-cases.js";
import { AdministrationService } from "./administration.js";
import { ImportService } from "./imports.js";
import { QueryService } from "./queries.js";
import { PrivacyService } from "./privacy.js";
import { RetentionService } from "./retention.js";
import { SignedLinks } from "./signed-links.js";
import type { RetentionPolicy } from "../domain/retention.js";
import { StatisticsService, WeeklyDigestService } from "./statistics.js";
import { SchoolOwnerService } from "./school-owners.js";
import type { DateRange } from "../domain/weekly-digest.js";
import { DirectoryPeopleService } from "./directory-people.js";
import { EnrolmentService } from "./enrolments.js";
import { MemberAdminService } from "./member-admin.js";
import { DirectorySchoolService } from "./directory-schools.js";
import { schoolCalendar } from "../domain/school-days.js";
import { GpdsService } from "./gpds.js";
import { GpdsMeetingService } from "./gpds-meetings.js";
import { CaseCardService } from "./case-cards.js";
import { FamilyService } from "./families.js";
import { FamilyNoticeService } from "./family-notice.js";
import { CallService } from "./calls.js";
import { AcademieTransferService } from "./academie-transfer.js";

export type Services = {
  conversations: ConversationService;
  members: MemberService;
  health: HealthService;
  reports: ReportService;
  routing: RoutingService;
  triage: TriageService;
  transfers: TransferService;
  plans: PlanService;
  reviewReminders: ReviewReminderService;
  idleCases: IdleCaseService;
  administration: AdministrationService;
  imports: ImportService;
  queries: QueryService;
  privacy: PrivacyService;
  retention: RetentionService;
  statistics: StatisticsService;
  weeklyDigest: WeeklyDigestService;
  directoryPeople: DirectoryPeopleService;
  enrolments: EnrolmentService;
  memberAdmin: MemberAdminService;
  /** Schools without an owner: the fallback of a report there, the admins' daily list. */
  owners: SchoolOwnerService;
  /** The académie's schools and bassins from the ministry's directory (Teams; the CLI makes its own). */
  directorySchools: DirectorySchoolService;
  /** The school's GPDS meetings, its space in Teams and the agenda job. */
  gpds: GpdsService;
  gpdsMeetings: GpdsMeetingService;
  /** Per-person channel cards of a case (Universal Actions refresh). */
  caseCards: CaseCardService;
  /** The family informed, met, the agreements, on a case. */
  families: FamilyService;
  /** The académie's information notice for families (settings, signed link). */
  familyNotice: FamilyNoticeService;
  /** The MLDS call campaign of imported lists and the export back to the PSAD. */
  calls: CallService;
  /** Cases sent to and received from another académie (issue 26). */
  academieTransfers: AcademieTransferService;
};

/** What the services take from the configuration. */
export type ServiceOptions = {
  /** Signs download links; by default a random key and http://127.0.0.1 (tests, tools). */
  links?: SignedLinks;
  retention?: RetentionPolicy;
  /** No weekly digest on a Monday within these (SCHOOL_HOLIDAYS). */
  schoolHolidays?: DateRange[];
  /** Months without activity before an open case is proposed for closure (IDLE_CASE_MONTHS). */
  idleCaseMonths?: number;
};

export function createServices(store: Store, clock: () => Date = () => new Date(), options: ServiceOptions = {}): Services {
  const routing = new RoutingService(store, clock);
  // School days: weekends, French public holidays and the configured school holidays left out.
  const calendar = schoolCalendar(options.schoolHolidays);
  const triage = new TriageService(store, routing, clock, calendar);
  const plans = new PlanService(store, triage, clock);
  const links = options.links ?? new SignedLinks(undefined, () => "http://127.0.0.1", clock);
  const owners = new SchoolOwnerService(store, clock);
  const enrolments = new EnrolmentService(store, clock);
  return {
    routing,
    owners,
    reports: new ReportService(store, routing, clock, owners),
    triage,
    transfers: new TransferService(store, triage, routing, enrolments, clock),
    plans,
    privacy: new PrivacyService(store, triage, plans, links, clock),
    retention: new RetentionService(store, clock, options.retention),
    reviewReminders: new ReviewReminderService(store, clock, calendar),
    idleCases: new IdleCaseService(store, triage, clock, options.idleCaseMonths),
    administration: new AdministrationService(store),
    imports: new ImportService(store, routing, clock),
    queries: new QueryService(store, clock, calendar),
    conversations: new ConversationService(store),
    members: new MemberService(store, clock),
    health: new HealthService(store),
    statistics: new StatisticsService(store, links, clock),
    weeklyDigest: new WeeklyDigestService(store, clock, options.schoolHolidays),
    directoryPeople: new DirectoryPeopleService(store, clock),
    enrolments,
    memberAdmin: new MemberAdminService(store, clock),
    directorySchools: new DirectorySchoolService(store, clock),
    gpds: new GpdsService(store, clock, calendar),
    gpdsMeetings: new GpdsMeetingService(store, triage, clock, calendar),
    caseCards: new CaseCardService(store, triage),
    families: new FamilyService(store, triage, clock),
    familyNotice: new FamilyNoticeService(store, links),
    calls: new CallService(store, triage, links, clock),
    academieTransfers: new AcademieTransferService(store, routing, owners, links, clock),
  };
}

export type { Actor } from "./members.js";
export type { HealthReport } from "./health.js";
