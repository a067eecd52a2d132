/** The data of each Adaptive Card template (cards/<name>.json): one type per template, used with
 *  `satisfies` by the view that builds it (src/teams/**) and by its samples
 *  (test/fixtures/cards/samples.ts), so that a change of shape fails typecheck in both places.
 *  Texts are plain strings: the templates read no literal values. */

/** The samples of one card: a name per case shown (« typical », « longest »…). */
export type CardSamples<Data> = Record<string, Data>;

/** cards/case-card.json */
export type CaseCardData = {
  caseId: string;
  version: number;
  reference: string;
  statusLabel: string;
  statusColor: string;
  notice: string;
  noticeColor: string;
  headline: string;
  pupilName: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  flags: string;
  /** Universal Actions refresh (channel cards): Teams asks the bot for the view of each listed
   *  person (Teams user ids, at most 60); everyone else sees the card as sent. */
  refresh: { on: boolean; userIds: string[] };
  showActions: boolean;
  can: {
    /** Details, sent to the personal chat when asked in a channel. */
    details: boolean;
    /** « Afficher mes actions »: the person's own view, asked by hand (hosts without refresh). */
    myActions: boolean;
    takeCharge: boolean;
    openPlan: boolean;
    viewPlan: boolean;
    assign: boolean;
    requestInfo: boolean;
    dismiss: boolean;
    escalate: boolean;
    /** The birth date to complete (cases reported without one), for the school's GPDS. */
    setBirthDate: boolean;
    /** The family form (informed, met, agreements), for who may record it, in personal chat. */
    recordFamily: boolean;
    reopen: boolean;
    /** « Transférer » (issue 26): a school to search for, for who may transfer the case (personal chat). */
    transfer: boolean;
  };
  /** What was done with the family, in one line (personal chats only; empty in a channel). */
  family: string;
  /** The family form's values: what is recorded, or what was typed in a refused form, and why. */
  familyForm: {
    informedAt: string;
    metAt: string;
    metBy: string;
    youngPersonAgreedAt: string;
    familyAgreedAt: string;
    error: string;
  };
  assignees: Array<{
    title: string;
    value: string;
  }>;
  labels: {
    takeCharge: string;
    openPlan: string;
    viewPlan: string;
    details: string;
    myActions: string;
    assign: string;
    assignTo: string;
    assignConfirm: string;
    requestInfo: string;
    question: string;
    questionPlaceholder: string;
    send: string;
    dismiss: string;
    reason: string;
    reasonPlaceholder: string;
    dismissConfirm: string;
    reopen: string;
    reopenReason: string;
    reopenConfirm: string;
    transfer: string;
    transferSearch: string;
    transferSearchConfirm: string;
    escalate: string;
    setBirthDate: string;
    birthDate: string;
    birthDatePlaceholder: string;
    birthDateConfirm: string;
    required: string;
    family: {
      title: string;
      intro: string;
      informedAt: string;
      metAt: string;
      metBy: string;
      metByPlaceholder: string;
      youngPersonAgreedAt: string;
      familyAgreedAt: string;
      confirm: string;
    };
  };
};

/** cards/case-details.json */
export type CaseDetailsCardData = {
  caseId: string;
  title: string;
  privacy: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  signalsTitle: string;
  signals: Array<{
    title: string;
    value: string;
  }>;
  observationsTitle: string;
  observations: Array<string>;
  back: string;
  exchangesTitle: string;
  exchanges: Array<{
    question: string;
    questionText: string;
    answer: string;
    answerText: string;
  }>;
};

/** cards/case-list.json */
export type CaseListCardData = {
  title: string;
  summary: string;
  showCounts: boolean;
  counts: Array<{
    title: string;
    value: string;
  }>;
  showLines: boolean;
  lines: Array<{
    caseId: string;
    canOpen: boolean;
    heading: string;
    detail: string;
  }>;
  more: string;
  hint: string;
  note: string;
};

/** cards/failed-sends.json */
export type FailedSendsCardData = {
  title: string;
  none: string;
  requeue: string;
  requeueAll: string;
  sends: Array<{
    id: string;
    line: string;
  }>;
};

/** cards/help.json */
export type HelpCardData = {
  title: string;
  intro: string;
  commands: Array<string>;
  channel: string;
  startReport: string;
  sections: Array<{
    title: string;
    commands: Array<string>;
  }>;
};

/** cards/history.json */
export type HistoryCardData = {
  caseId: string;
  title: string;
  empty: string;
  back: string;
  events: Array<{
    when: string;
    what: string;
    detail: string;
  }>;
};

/** cards/import-preview.json */
export type ImportPreviewCardData = {
  title: string;
  source: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  notes: Array<string>;
  errorsTitle: string;
  errors: Array<string>;
  errorsMore: string;
  attachTitle: string;
  attach: Array<string>;
  attachMore: string;
  /** « Même élève ? » candidates (issue 26): title "" when there is none. */
  samePersonTitle: string;
  samePersonIntro: string;
  samePerson: Array<string>;
  samePersonMore: string;
  nothing: string;
  confirm: string;
  cancel: string;
  batchId: string;
};

/** cards/import-summary.json */
export type ImportSummaryCardData = {
  title: string;
  schoolsTitle: string;
  columns: {
    school: string;
    count: string;
  };
  schools: Array<{
    name: string;
    count: string;
  }>;
  others: string;
  hint: string;
};

/** cards/info-request.json */
export type InfoRequestCardData = {
  caseId: string;
  title: string;
  intro: string;
  question: string;
  answerLabel: string;
  privacy: string;
  send: string;
  required: string;
  answer: string;
  error: string;
};

/** cards/notice.json */
/** cards/case-transfer.json: where a case goes (a school found by what was typed) and why. */
export type CaseTransferCardData = {
  caseId: string;
  version: number;
  title: string;
  intro: string;
  notice: string;
  noticeColor: string;
  query: string;
  hasSchools: boolean;
  /** Nothing matched what was typed (empty before a search). */
  noSchool: string;
  schools: Array<{ title: string; value: string }>;
  school: string;
  reason: string;
  labels: { search: string; searchConfirm: string; school: string; reason: string; confirm: string };
};

export type NoticeCardData = {
  title: string;
  body: string;
  color: string;
};

/** cards/plan-card.json */
/** The labels of the plan card, each read from plan.labels.<key> in the locales. */
export const PLAN_LABEL_KEYS = [
  "start",
  "done",
  "abandon",
  "edit",
  "save",
  "add",
  "addConfirm",
  "type",
  "description",
  "descriptionPlaceholder",
  "startDate",
  "endDate",
  "partner",
  "partnerPlaceholder",
  "company",
  "requirements",
  "review",
  "objective",
  "nextReview",
  "close",
  "outcome",
  "outcomeRequired",
  "comment",
  "closeConfirm",
  "history",
  "required",
  "cancel",
] as const;
export type PlanLabelKey = (typeof PLAN_LABEL_KEYS)[number];

/** A PAFI to validate, in an IEN-IO's personal chat. */
/** The daily job's proposal to close an idle case (or one of a young person past 25), in the
 *  personal chat of who follows it; once answered, `decided` says what was done and the buttons go. */
export type ClosureProposalCardData = {
  caseId: string;
  version: number;
  /** IDLE or AGE: the wording of the card once answered. */
  reason: string;
  months: number;
  notice: string;
  noticeColor: string;
  title: string;
  pupil: string;
  question: string;
  deadline: string;
  pending: boolean;
  decided: string;
  close: string;
  keep: string;
};

export type PafiValidationCardData = {
  caseId: string;
  /** The pending action; empty once decided. */
  actionId: string;
  title: string;
  notice: string;
  noticeColor: string;
  body: string;
  pending: boolean;
  decided: string;
  validate: string;
  refuse: string;
};

export type PlanCardData = {
  caseId: string;
  version: number;
  /** The agreement an action lacked, offered in place (field: the family form's input, or ''). */
  agreement: { field: string; label: string; confirm: string };
  notice: string;
  noticeColor: string;
  title: string;
  statusLabel: string;
  statusColor: string;
  headline: string;
  showTexts: boolean;
  textsElsewhere: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  reviewDue: string;
  suggestions: string;
  actionsTitle: string;
  noAction: string;
  editable: boolean;
  actions: Array<{
    id: string;
    editing: boolean;
    type: string;
    label: string;
    description: string;
    details: string;
    statusLabel: string;
    /** No colour for an action in progress. */
    statusColor: string | undefined;
    canStart: boolean;
    canFinish: boolean;
    startDate: string;
    endDate: string;
    partner: string;
    company: string;
    editError: string;
    editDescription: string;
  }>;
  newType: string;
  catalogue: Array<{
    title: string;
    value: string;
  }>;
  partners: Array<{
    title: string;
    value: string;
  }>;
  outcomes: Array<{
    title: string;
    value: string;
  }>;
  objective: string;
  nextReviewAt: string;
  labels: Record<PlanLabelKey, string>;
  newAction: {
    description: string;
    startDate: string;
    endDate: string;
    partner: string;
    company: string;
    error: string;
  };
  closeForm: {
    outcome: string;
    comment: string;
    error: string;
  };
  reviewError: string;
};

/** cards/privacy-confirm.json */
export type PrivacyConfirmCardData = {
  title: string;
  intro: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  warning: string;
  warningColor: string;
  confirm: string;
  confirmStyle: string;
  verb: string;
  cancel: string;
  caseId: string;
  reference: string;
};

/** cards/privacy-export.json */
export type PrivacyExportCardData = {
  title: string;
  body: string;
  caution: string;
  download: string;
  url: string;
};

/** cards/prompt.json */
export type PromptCardData = {
  title: string;
  weight: string;
  body: string;
  buttons: Array<{
    title: string;
    action: string;
    name: string;
  }>;
};

/** cards/report-confirmed.json */
export type ReportConfirmedCardData = {
  title: string;
  referenceLine: string;
  joined: string;
  next: string;
  follow: string;
  thanks: string;
};

/** cards/report-duplicate.json */
export type ReportDuplicateCardData = {
  draftId: string;
  title: string;
  body: string;
  question: string;
  attach: string;
  separate: string;
  cancel: string;
};

/** cards/report-notes.json */
export type ReportNotesCardData = {
  draftId: string;
  progress: string;
  title: string;
  intro: string;
  fix: string;
  privacy: string;
  labels: {
    notePlaceholder: string;
    next: string;
    back: string;
    cancel: string;
  };
  notes: Array<{
    noteId: string;
    label: string;
    note: string;
    noteError: string;
  }>;
  signalsError: string;
};

/** cards/report-pupil.json */
export type ReportPupilCardData = {
  draftId: string;
  progress: string;
  title: string;
  intro: string;
  fix: string;
  labels: {
    lastName: string;
    firstName: string;
    className: string;
    classPlaceholder: string;
    birthDate: string;
    birthDatePlaceholder: string;
    school: string;
    schoolPlaceholder: string;
    next: string;
    cancel: string;
    required: string;
  };
  /** What the person typed, given back as typed (a refused step), else from the draft. */
  values: Partial<Record<"lastName" | "firstName" | "className" | "schoolId" | "birthDate", string>>;
  errors: {
    lastName: string;
    firstName: string;
    className: string;
    birthDate: string;
    schoolId: string;
  };
  schools: Array<{
    title: string;
    value: string;
  }>;
};

/** cards/report-signals.json */
export type ReportSignalsCardData = {
  draftId: string;
  progress: string;
  title: string;
  intro: string;
  fix: string;
  signalsError: string;
  alert: string;
  halfDays: string;
  halfDaysError: string;
  labels: {
    halfDays: string;
    halfDaysPlaceholder: string;
    next: string;
    cancel: string;
  };
  families: Array<{
    label: string;
    showHalfDays: boolean;
    signals: Array<{
      toggleId: string;
      label: string;
      checked: string;
    }>;
  }>;
};

/** cards/report-steps.json */
export type ReportStepsCardData = {
  draftId: string;
  progress: string;
  title: string;
  fix: string;
  alert: string;
  labels: {
    stepsLabel: string;
    urgencyLabel: string;
    /** « L'élève ne vient plus ou a quitté l'établissement » (a yes/no, not a signal). */
    outOfSchool: string;
    observations: string;
    observationsPlaceholder: string;
    privacy: string;
    next: string;
    cancel: string;
    required: string;
  };
  /** What the person typed, given back as typed (a refused step), else from the draft. */
  values: Partial<Record<"stepsTaken" | "urgency" | "observations" | "outOfSchool", string>>;
  errors: {
    stepsTaken: string;
    urgency: string;
    observations: string;
  };
  stepChoices: Array<{
    title: string;
    value: string;
  }>;
  urgencyChoices: Array<{
    title: string;
    value: string;
  }>;
};

/** cards/report-summary.json */
export type ReportSummaryCardData = {
  draftId: string;
  progress: string;
  title: string;
  intro: string;
  joins: string;
  alert: string;
  labels: {
    edit: string;
    confirm: string;
    cancel: string;
  };
  sections: Array<{
    step: string;
    label: string;
    facts: Array<{
      title: string;
      value: string;
    }>;
  }>;
};

/** cards/stats-card.json */
export type StatsCardData = {
  title: string;
  subtitle: string;
  protectNote: string;
  keyFigures: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  charts: Array<{
    title: string;
    url: string;
    altText: string;
  }>;
  schoolsTitle: string;
  noSchool: string;
  columns: {
    school: string;
    open: string;
    plan: string;
    overdue: string;
  };
  schools: Array<{
    name: string;
    open: string;
    withPlan: string;
    overdue: string;
  }>;
  moreSchools: string;
  exportHint: string;
};

/** cards/stats-export.json */
export type StatsExportCardData = {
  title: string;
  subtitle: string;
  body: string;
  download: string;
  url: string;
};

/** cards/call-campaign.json */
export type CallCampaignCardData = {
  notice: string;
  /** Good, Warning, Attention or Accent. */
  noticeColor: string;
  title: string;
  subtitle: string;
  empty: string;
  hint: string;
  /** YYYY-MM-DD (Paris): the date input's default and latest day. */
  today: string;
  page: string;
  recordLabel: string;
  outcomeLabel: string;
  outcomeError: string;
  outcomeChoices: { title: string; value: string }[];
  dateLabel: string;
  noteLabel: string;
  notePlaceholder: string;
  saveLabel: string;
  previousLabel: string;
  previousPage: string;
  nextLabel: string;
  nextPage: string;
  entries: { caseId: string; line: string; contact: string; attempts: string }[];
};

/** cards/status-card.json */
export type StatusCardData = {
  caseId: string;
  reference: string;
  statusLabel: string;
  statusColor: string;
  headline: string;
  late: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  /** « Autres dossiers de ce jeune », or "" when there is none to show. */
  linkedTitle: string;
  linked: Array<{ text: string }>;
  note: string;
  canOpen: boolean;
  openLabel: string;
};

/** cards/unknown-member.json */
export type UnknownMemberCardData = {
  title: string;
  body: string;
  how: string;
  meanwhile: string;
  /** The button to ask to join (empty: none). */
  enrol: string;
};

type Fact = { title: string; value: string };
type Choice = { title: string; value: string };

/** cards/enrolment-form.json */
export type EnrolmentFormCardData = {
  title: string;
  intro: string;
  queryLabel: string;
  queryPlaceholder: string;
  query: string;
  schoolLabel: string;
  schools: Choice[];
  noSchool: string;
  placeLabel: string;
  placePlaceholder: string;
  place: string;
  functionLabel: string;
  functionPlaceholder: string;
  function: string;
  error: string;
  privacy: string;
  search: string;
  send: string;
};

/** cards/enrolment-request.json */
export type EnrolmentRequestCardData = {
  title: string;
  intro: string;
  facts: Fact[];
  status: string;
  statusColor: string;
  hint: string;
  approve: string;
  refuse: string;
  enrolmentId: string;
};

/** cards/member-list.json */
export type MemberListCardData = {
  title: string;
  empty: string;
  people: Array<{ id: string; name: string; line: string; manage: string }>;
};

/** cards/member-detail.json */
export type MemberDetailCardData = {
  title: string;
  facts: Fact[];
  notice: string;
  noticeColor: string;
  roles: Choice[];
  role: string;
  roleLabel: string;
  placeLabel: string;
  placePlaceholder: string;
  place: string;
  changeRole: string;
  successors: Choice[];
  handOverLabel: string;
  handOver: string;
  noSuccessor: string;
  deactivate: string;
  memberId: string;
};

/** cards/weekly-digest.json */
export type GpdsAgendaCardData = {
  notice: string;
  noticeColor: string;
  title: string;
  subtitle: string;
  /** Once the séance is closed: says so (no more inputs). */
  closedText: string;
  newTitle: string;
  noNew: string;
  newCases: GpdsAgendaLineData[];
  reviewsTitle: string;
  noReviews: string;
  reviews: GpdsAgendaLineData[];
  attendanceTitle: string;
  /** Who attended, as text (when the list cannot be changed any more). */
  attendeesText: string;
  attendanceLabel: string;
  /** The ids of who attended, comma-separated (the choice set's value). */
  attendees: string;
  /** The school's GPDS members, offered while the séance is open to who may record it. */
  attendeeChoices: Array<{ title: string; value: string }>;
  hint: string;
  registerHint: string;
  /** Empty: no actions (closed, or sent before decisions existed). */
  meetingId: string;
  saveLabel: string;
  closeLabel: string;
};

/** One line of the GPDS agenda: reference, initials, the decision taken or a choice to take it. */
export type GpdsAgendaLineData = {
  reference: string;
  line: string;
  /** The decision recorded at this meeting, as text; empty while there is none. */
  decided: string;
  /** The id of the line's decision input; empty when no decision is offered. */
  inputId: string;
  label: string;
  placeholder: string;
  choices: Array<{ title: string; value: string }>;
};

/** cards/gpds-summary.json */
export type GpdsSummaryCardData = {
  title: string;
  subtitle: string;
  attendeesText: string;
  decisionsTitle: string;
  noLines: string;
  lines: Array<{ title: string; value: string }>;
  hint: string;
  /** In a member's personal chat: a button to the Parcours de suivi of each case given school measures. */
  plans: Array<{ title: string; caseId: string }>;
};

export type WeeklyDigestCardData = {
  title: string;
  week: string;
  facts: Array<{
    title: string;
    value: string;
  }>;
  nothing: string;
  columns: {
    school: string;
    new: string;
    waiting: string;
    reviews: string;
  };
  schools: Array<{
    name: string;
    newLastWeek: string;
    waiting: string;
    reviews: string;
  }>;
  hint: string;
};

/** cards/welcome.json */
export type WelcomeCardData = {
  title: string;
  intro: string;
  can: string;
  items: Array<string>;
  privacy: string;
  startReport: string;
  helpLabel: string;
};

/** cards/directory-preview.json */
export type DirectoryPreviewCardData = {
  title: string;
  source: Array<string>;
  facts: Array<{
    title: string;
    value: string;
  }>;
  sections: Array<{
    title: string;
    color: string;
    lines: Array<string>;
    more: string;
  }>;
  nothing: string;
  confirm: string;
  cancel: string;
  kind: string;
  importId: string;
};

/** cards/academie-transfer-preview.json: a case received from another académie (issue 26). */
export type AcademieTransferPreviewCardData = {
  packageId: string;
  notice: string;
  title: string;
  intro: string;
  facts: Array<{ title: string; value: string }>;
  school: string;
  schools: Array<{ title: string; value: string }>;
  labels: { school: string; schoolError: string; confirm: string; cancel: string };
};

/** cards/same-person.json: « Même élève ? » (issue 26). */
export type SamePersonCardData = {
  /** What the last answer did ("" for none). */
  notice: string;
  noticeColor: "Good" | "Attention" | "Default";
  title: string;
  intro: string;
  questions: Array<{ text: string; caseId: string; otherCaseId: string; yes: string; no: string }>;
  /** Shown when no question remains ("" otherwise). */
  done: string;
};

/** Every template by name. */
export type CardDataByName = {
  "call-campaign": CallCampaignCardData;
  "case-card": CaseCardData;
  "case-details": CaseDetailsCardData;
  "case-list": CaseListCardData;
  "directory-preview": DirectoryPreviewCardData;
  "enrolment-form": EnrolmentFormCardData;
  "enrolment-request": EnrolmentRequestCardData;
  "failed-sends": FailedSendsCardData;
  help: HelpCardData;
  history: HistoryCardData;
  "import-preview": ImportPreviewCardData;
  "import-summary": ImportSummaryCardData;
  "info-request": InfoRequestCardData;
  "member-detail": MemberDetailCardData;
  "member-list": MemberListCardData;
  notice: NoticeCardData;
  "plan-card": PlanCardData;
  "pafi-validation": PafiValidationCardData;
  "closure-proposal": ClosureProposalCardData;
  "privacy-confirm": PrivacyConfirmCardData;
  "privacy-export": PrivacyExportCardData;
  prompt: PromptCardData;
  "report-confirmed": ReportConfirmedCardData;
  "report-duplicate": ReportDuplicateCardData;
  "report-notes": ReportNotesCardData;
  "report-pupil": ReportPupilCardData;
  "report-signals": ReportSignalsCardData;
  "report-steps": ReportStepsCardData;
  "report-summary": ReportSummaryCardData;
  "stats-card": StatsCardData;
  "stats-export": StatsExportCardData;
  "status-card": StatusCardData;
  "unknown-member": UnknownMemberCardData;
  "weekly-digest": WeeklyDigestCardData;
  welcome: WelcomeCardData;
  "gpds-agenda": GpdsAgendaCardData;
  "gpds-summary": GpdsSummaryCardData;
  "academie-transfer-preview": AcademieTransferPreviewCardData;
  "same-person": SamePersonCardData;
};
