/** What the services ask to be sent to Teams. They never build cards: a message names a view and
 *  the case it shows; the Teams layer renders it when it is delivered, so a card posted late
 *  still shows the case as it is then. */
export type RenderSpec =
  | { view: "caseCard"; caseId: string }
  | { view: "reporterNotice"; caseId: string; notice: "TAKEN_IN_CHARGE" | "CLOSED" | "INFO_REQUEST" }
  | { view: "assigned"; caseId: string }
  /** A card of the case at the school it left (channel or personal chat), replaced by a read-only
   *  line: transferred on that day, to a school it does not name (`at`: ISO instant). */
  | { view: "caseTransferred"; caseId: string; at: string }
  /** The reporter is told the case went to another school of the académie; `named`: the reporter
   *  is a member of that school, so the notice may name it. */
  | { view: "transferNotice"; caseId: string; named: boolean }
  /** A report joined a case: told to whoever follows it (signal families and urgency, no text). */
  | { view: "reportAdded"; caseId: string; reporterId: string; families: string[]; urgency: number }
  | { view: "planReminder"; caseId: string }
  /** An open case idle for `months` months (or of a young person past 25): « le clore comme
   *  perdu de vue ? », to one follower (`memberId`, checked again when it is delivered). */
  | { view: "closureProposal"; caseId: string; memberId: string; reason: "IDLE" | "AGE"; months: number }
  /** The proposal went unanswered: the case was closed « perdu de vue »; told to one follower. */
  | { view: "closedLostContact"; caseId: string; memberId: string }
  /** A PAFI to validate: the card with Valider / Refuser, to one IEN-IO of the bassin. */
  | { view: "pafiValidation"; caseId: string; memberId: string }
  /** Details or history asked for from a channel, shown in the asker's personal chat (the member
   *  it is for: checked again when it is delivered). */
  | { view: "caseDetails"; caseId: string; memberId: string }
  | { view: "caseHistory"; caseId: string; memberId: string }
  /** The coordinators' Monday digest: aggregate counts only, computed when it was claimed. */
  | { view: "weeklyDigest"; districtName: string; weekStart: string; counts: WeeklyDigestCounts; schools: ({ name: string } & WeeklyDigestCounts)[] }
  /** A confirmed list import, told once to each recipient instead of one card per case (a list of
   *  thousands would bury a channel): counts only, since a channel is seen by all its members. */
  | { view: "importSummary"; batchId: string; districts: string[]; total: number; attached: number; schools: ImportSummarySchool[] }
  /** Someone asked to join: the card to approve or refuse, for one approver (about staff, no pupil). */
  | { view: "enrolmentRequest"; enrolmentId: string }
  /** The person who asked to join is told the decision in their personal chat. */
  | { view: "enrolmentDecision"; enrolmentId: string }
  /** A member's cases were handed over to this member (told in their personal chat). */
  | { view: "casesHandedOver"; fromName: string; references: string[] }
  /** To the académie's admins: a report in a school with no référent and no chef d'établissement
   *  (reference and school only: admins do not see pupils). */
  | { view: "ownerlessReport"; caseId: string; schoolName: string; coordinators: number }
  /** The daily list of open schools without an owner, to the académie's admins. */
  | { view: "ownerlessSchools"; count: number; schools: OwnerlessSchoolLine[] }
  /** A GPDS meeting's agenda, two school days before it: to the school's GPDS space (`inSpace`), or
   *  to its référents' and chefs' personal chats. References and initials only, computed when claimed. */
  | { view: "gpdsAgenda"; meetingId: string; schoolName: string; date: string; inSpace: boolean; newCases: GpdsAgendaItem[]; reviews: GpdsAgendaItem[] }
  /** A GPDS meeting's summary once its séance is closed: the decisions, with initials in the GPDS
   *  space, with names in the personal chat of the member it is for (`memberId`, checked again
   *  when it is delivered). Read when delivered. */
  | { view: "gpdsSummary"; meetingId: string; memberId?: string };

export type GpdsAgendaItem = { reference: string; initials: string; reviewDate?: string };

export type OwnerlessSchoolLine = { uai: string; name: string; districtCode: string | null; districtName?: string; noLead: boolean; noRoute: boolean };

export type ImportSummarySchool = { name: string; count: number };

export type WeeklyDigestCounts = { newLastWeek: number; waiting: number; reviewsThisWeek: number; reviewsOverdue: number };

export type OutgoingMessage = {
  conversationId: string;
  kind: "post" | "update";
  render: RenderSpec;
  /** Makes enqueuing idempotent (a retried request does not post twice). */
  dedupeKey?: string;
  /** An update of this activity rather than of the case card recorded for the conversation (a card
   *  whose ChannelPost row goes away in the same change: a transferred case's former posts). */
  activityId?: string;
};
