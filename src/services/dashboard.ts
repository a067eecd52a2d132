import { z } from "zod";
import { latenessOf, nameSearchTokens, newCaseLateBefore, visibilityOf, type Lateness } from "../domain/case-queries.js";
import { CASE_STATUSES, allowedActions, caseStatusSchema, type CaseStatus } from "../domain/lifecycle.js";
import { can, scopeOf, type CaseScope } from "../domain/permissions.js";
import { mayReferToMlds } from "../domain/routing.js";
import { initials } from "../domain/text.js";
import { DashboardRepository } from "../store/dashboard.js";
import type { CaseCriteria, CaseSummaryRow, Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { PlanService } from "./plans.js";
import { whatActorKnows } from "./queries.js";
import { caseScopeOfRow } from "./case-scope.js";
import type { TransferService } from "./transfers.js";
import { TEXT_MAX, type TriageResult, type TriageService } from "./triage.js";

/** The personal tab « Mes dossiers »: the cases of the caller's scope as a table, a case's panel,
 *  and the actions the caller may take on it, through the same services and permission table as
 *  the chat and the cards. */

export const TAB_PAGE_SIZE = 25;

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** The query string of GET /api/tab/cases. */
export const caseListQuerySchema = z
  .object({
    status: z
      .union([caseStatusSchema, z.string().regex(/^[A-Z_]+(,[A-Z_]+)*$/)])
      .transform((v, ctx) => {
        const parts = v.split(",");
        const parsed = z.array(caseStatusSchema).max(CASE_STATUSES.length).safeParse(parts);
        if (!parsed.success) {
          ctx.addIssue({ code: "custom", message: "unknown status" });
          return z.NEVER;
        }
        return [...new Set(parsed.data)];
      })
      .optional(),
    school: z.uuid().optional(),
    urgency: z.coerce.number().int().min(1).max(3).optional(),
    overdue: flag.optional(),
    /** The pupil's age at the report date. */
    age: z.enum(["under16", "16plus"]).optional(),
    /** Awaiting the GPDS's decision (neither referred to the MLDS nor under a Parcours de suivi). */
    gpdsPending: flag.optional(),
    page: z.coerce.number().int().min(1).max(400).default(1),
    sort: z.enum(["newestOpenFirst", "newest", "oldest"]).default("newestOpenFirst"),
    /** A reference ("D-2026-0042", or its start), or a pupil's name for who may see names. */
    search: z.string().trim().max(80).optional(),
  })
  .strict();
export type CaseListQuery = z.infer<typeof caseListQuerySchema>;

/** A period as « statistiques » reads it: a school year (2026-2027) or a month (2026-11). */
const statsPeriod = z.string().regex(/^\d{4}-(\d{4}|\d{2})$/);

/** The query string of GET /api/tab/stats: the period (default: this school year). */
export const tabStatsQuerySchema = z.object({ period: statsPeriod.optional() }).strict();

/** The body of POST /api/tab/stats/export: the figures (« export stats ») or the list of cases
 *  (« export dossiers »), of a period. */
export const tabExportSchema = z.object({ kind: z.enum(["stats", "cases"]).default("stats"), period: statsPeriod.optional() }).strict();

export type TabCaseLine = {
  reference: string;
  status: CaseStatus;
  urgency: number;
  reportedAt: string;
  school: { id: string; name: string };
  /** Absent for who may not know the pupil; the name only for who may see it. */
  pupil: { name: string | null; initials: string; className: string | null } | null;
  assigneeName: string | null;
  nextReviewAt: string | null;
  late: Lateness | null;
};

export type TabCaseList = {
  lines: TabCaseLine[];
  page: number;
  pageSize: number;
  /** Cases matching every filter. */
  total: number;
  /** Per status, of the cases matching every filter but the status. */
  counts: { status: CaseStatus; count: number }[];
  /** Whether the caller may search by name (they see pupils' names). */
  namesSearchable: boolean;
};

export type TabCasePanel = {
  caseId: string;
  reference: string;
  status: CaseStatus;
  urgency: number;
  version: number;
  school: { id: string; name: string; uai: string };
  pupil: { name: string; initials: string; className: string | null } | null;
  signals: { code: string; note: string | null }[];
  assigneeName: string | null;
  nextReviewAt: string | null;
  reportedAt: string;
  timeline: { type: string; at: string; actorName: string | null }[] | null;
  plan: { objective: string; nextReviewAt: string | null; actions: { type: string; description: string; status: string }[] } | null;
  /** What the caller may do now (lifecycle and permission table). */
  actions: TabAction[];
  /** Who the case may be assigned to, as the card's « Assigner à… » offers them: only for who may assign it. */
  assignees: { id: string; name: string; role: string }[];
};

export const TAB_ACTIONS = ["takeCharge", "assign", "requestInfo", "openPlan", "referToMlds", "dismiss", "transfer"] as const;
export type TabAction = (typeof TAB_ACTIONS)[number];
const version = z.number().int().nonnegative();
const text = z.string().trim().min(1).max(TEXT_MAX);
/** The body of POST /api/tab/cases/:reference/actions: the action, the version of the case the
 *  caller saw, and the text the action needs (a question to the reporter, a reason to dismiss). */
export const tabActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("takeCharge"), version }).strict(),
  z.object({ action: z.literal("openPlan"), version }).strict(),
  z.object({ action: z.literal("assign"), version, assigneeId: z.string().trim().min(1).max(64) }).strict(),
  /** The GPDS's decision to refer a pupil of 16 or over to the MLDS (the card's « Orienter vers la MLDS »). */
  z.object({ action: z.literal("referToMlds"), version }).strict(),
  z.object({ action: z.literal("requestInfo"), version, question: text }).strict(),
  z.object({ action: z.literal("dismiss"), version, reason: text }).strict(),
  /** Issue 26: the card's « Transférer » (services/transfers.ts): an open school of the académie, and why. */
  z.object({ action: z.literal("transfer"), version, toSchoolId: z.uuid(), reason: text }).strict(),
]);
export type TabCommand = z.infer<typeof tabActionSchema>;

export type PanelResult = { ok: true; panel: TabCasePanel } | { ok: false; reason: "NOT_FOUND" };

/** The query string of GET /api/tab/cases/:reference/destinations: the typed text (name, UAI, commune). */
export const tabDestinationsQuerySchema = z.object({ q: z.string().trim().max(80).default("") }).strict();

export type TabDestinations =
  | { ok: true; schools: { id: string; uai: string; name: string; city: string | null }[] }
  | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" | "INVALID_INPUT"; field?: string };

export class DashboardService {
  private readonly audit: DashboardRepository;

  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly plans: PlanService,
    private readonly clock: () => Date = () => new Date(),
    /** The transfer of a case to another school (issue 26); without it the tab offers none. */
    private readonly transfers: TransferService | null = null,
  ) {
    this.audit = new DashboardRepository(store.db);
  }

  /** Whether the role sees pupils' names in lists: who reads the details, and reporters (their own). */
  seesNames(actor: Actor): boolean {
    return scopeOf(actor.role, "VIEW_DETAILS") !== null || scopeOf(actor.role, "VIEW_STATUS") === "OWN_REPORTS";
  }

  /** The schools the caller's list may be filtered by: theirs, or their bassin's. */
  async schools(actor: Actor): Promise<{ id: string; name: string }[]> {
    const schools =
      actor.schoolIds.length > 0
        ? await this.store.schools.byIds(actor.schoolIds)
        : actor.districtId
          ? await this.store.schools.inDistrict(actor.districtId)
          : [];
    return schools.map((s) => ({ id: s.id, name: s.name })).sort((a, b) => a.name.localeCompare(b.name, "fr"));
  }

  async list(actor: Actor, query: CaseListQuery): Promise<TabCaseList> {
    const now = this.clock();
    const namesSearchable = this.seesNames(actor);
    const empty: TabCaseList = { lines: [], page: query.page, pageSize: TAB_PAGE_SIZE, total: 0, counts: [], namesSearchable };
    const visibility = visibilityOf(actor, "VIEW_STATUS", now);
    if (!visibility) return empty;
    const criteria: CaseCriteria = {};
    if (query.status) criteria.statuses = query.status;
    if (query.school) criteria.schoolId = query.school;
    if (query.urgency) criteria.urgency = query.urgency;
    if (query.overdue) criteria.overdue = { now, newBefore: newCaseLateBefore(now) };
    if (query.age) criteria.ageGroup = query.age === "under16" ? "UNDER_16" : "16_AND_OVER";
    if (query.gpdsPending) criteria.gpdsPending = true;
    const search = query.search ?? "";
    if (/^d-?\d/i.test(search)) criteria.referencePrefix = search.toUpperCase().replace(/^D(?!-)/, "D-");
    else if (search) {
      if (!namesSearchable) return empty;
      const tokens = nameSearchTokens(search);
      if (tokens.length === 0) return empty;
      criteria.nameTokens = tokens;
    }
    const found = await this.store.caseQueries.page({ visibility }, criteria, query.sort, (query.page - 1) * TAB_PAGE_SIZE, TAB_PAGE_SIZE);
    const order = new Map(CASE_STATUSES.map((s, i) => [s, i]));
    const counts = found.counts.filter((c) => c.count > 0).sort((a, b) => (order.get(a.status) ?? 0) - (order.get(b.status) ?? 0));
    const total = counts.filter((c) => !query.status || query.status.includes(c.status)).reduce((n, c) => n + c.count, 0);
    const lines: TabCaseLine[] = [];
    const named: string[] = [];
    for (const row of found.rows) {
      const scope = caseScopeOfRow(row);
      // The SQL scope and the permission table must agree: each case is checked again.
      if (!can(actor, "VIEW_STATUS", scope)) continue;
      const line = this.line(actor, row, scope, now);
      if (line.pupil?.name) named.push(row.id);
      lines.push(line);
    }
    // A list that shows pupils' names is a consultation of each of them: audited.
    if (named.length > 0) await this.audit.recordListed(named, actor.memberId);
    return { lines, page: query.page, pageSize: TAB_PAGE_SIZE, total, counts, namesSearchable };
  }

  /** A case's panel: NOT_FOUND also for a case the caller may not see (its existence is not told). */
  async panel(actor: Actor, reference: string): Promise<PanelResult> {
    const row = await this.store.caseQueries.byReference(reference);
    if (!row) return { ok: false, reason: "NOT_FOUND" };
    const viewed = await this.triage.view(actor, row.id);
    if (!viewed.ok) return { ok: false, reason: "NOT_FOUND" };
    const details = this.triage.may(actor, "VIEW_DETAILS", viewed.case) ? await this.triage.details(actor, row.id) : null;
    const c = details?.ok ? details.case : viewed.case;
    const history = this.triage.may(actor, "VIEW_HISTORY", c) ? await this.plans.history(actor, c.id) : null;
    const plan = this.triage.may(actor, "EDIT_PLAN", c) ? await this.plans.view(actor, c.id) : null;
    const planRecord = plan?.ok ? plan.view.plan : null;
    const actions = this.tabActions(actor, c);
    // The names of who may follow the case, only for who may assign it (as on the card).
    const assignees = actions.includes("assign") ? await this.triage.assignees(c) : [];
    return {
      ok: true,
      panel: {
        caseId: c.id,
        reference: c.reference,
        status: c.status,
        urgency: c.urgency,
        version: c.version,
        school: { id: c.school.id, name: c.school.name, uai: c.school.uai },
        pupil:
          details?.ok && !c.pupil.anonymized
            ? { name: `${c.pupil.firstName} ${c.pupil.lastName}`, initials: initials(c.pupil.firstName, c.pupil.lastName), className: c.pupil.className }
            : null,
        signals: details?.ok ? c.signals : c.signals.map((s) => ({ code: s.code, note: null })),
        assigneeName: c.assignee?.displayName ?? null,
        nextReviewAt: c.nextReviewAt?.toISOString() ?? null,
        reportedAt: c.createdAt.toISOString(),
        timeline: history?.ok ? history.events.map((e) => ({ type: e.type, at: e.at.toISOString(), actorName: e.actorName })) : null,
        plan: planRecord
          ? {
              objective: planRecord.objective,
              nextReviewAt: planRecord.nextReviewAt?.toISOString() ?? null,
              actions: planRecord.actions.map((a) => ({ type: a.type, description: a.description, status: a.status })),
            }
          : null,
        actions: assignees.length > 0 ? actions : actions.filter((a) => a !== "assign"),
        assignees: assignees.map((m) => ({ id: m.id, name: m.displayName, role: m.role })),
      },
    };
  }

  /** An action from the tab, through the triage service as from a card: the same checks, the same
   *  event, and the same updates of the case's cards in Teams (queued in the outbox). */
  async act(actor: Actor, reference: string, command: TabCommand): Promise<TriageResult> {
    const row = await this.store.caseQueries.byReference(reference);
    if (!row) return { ok: false, reason: "NOT_FOUND" };
    switch (command.action) {
      case "takeCharge":
        return this.triage.act(actor, row.id, command.version, { verb: "takeCharge" });
      case "openPlan":
        return this.triage.act(actor, row.id, command.version, { verb: "openPlan" });
      case "requestInfo":
        return this.triage.act(actor, row.id, command.version, { verb: "requestInfo", question: command.question });
      case "dismiss":
        return this.triage.act(actor, row.id, command.version, { verb: "dismiss", reason: command.reason });
      case "assign":
        return this.triage.act(actor, row.id, command.version, { verb: "assign", assigneeId: command.assigneeId });
      case "referToMlds":
        // The same decision as the GPDS's REFER_TO_MLDS from a card: the case's card is posted to the
        // bassin's MLDS channels where it is not yet (TriageService.referralSends), through the outbox.
        return this.triage.act(actor, row.id, command.version, { verb: "escalate" });
      case "transfer": {
        // The same move as the card's « Transférer »: checks, event, cards and notices (TransferService).
        if (!this.transfers) return { ok: false, reason: "FORBIDDEN" };
        const r = await this.transfers.transfer(actor, row.id, command.version, command.toSchoolId, command.reason);
        return r.ok ? { ok: true, case: r.case } : { ok: false, reason: r.reason, ...(r.field ? { field: r.field } : {}) };
      }
    }
  }

  /** The case's id behind a reference, or null (the tab names cases by reference). */
  async caseIdOf(reference: string): Promise<string | null> {
    return (await this.store.caseQueries.byReference(reference))?.id ?? null;
  }

  /** « Transférer »: the open schools of the académie matching the typed text, for who may transfer. */
  async destinations(actor: Actor, reference: string, query: string): Promise<TabDestinations> {
    const row = await this.store.caseQueries.byReference(reference);
    if (!row || !this.transfers) return { ok: false, reason: "NOT_FOUND" };
    const r = await this.transfers.destinations(actor, row.id, query);
    if (!r.ok) {
      if (r.reason === "INVALID_INPUT") return { ok: false, reason: "INVALID_INPUT", field: "waitsForGpds" };
      return { ok: false, reason: r.reason === "NOT_FOUND" ? "NOT_FOUND" : "FORBIDDEN" };
    }
    return { ok: true, schools: r.schools.map((s) => ({ id: s.id, uai: s.uai, name: s.name, city: s.city })) };
  }

  /** The actions of the tab the caller may take now: the lifecycle's moves for their role, on a case
   *  the permission table lets them triage (or close, for « Clore : pas d'accompagnement nécessaire »). */
  private tabActions(actor: Actor, c: Parameters<TriageService["may"]>[2]): TabAction[] {
    const moves = allowedActions(c.status, actor.role);
    const triage = this.triage.may(actor, "TRIAGE", c);
    const out: TabAction[] = [];
    if (triage && moves.includes("TAKE_CHARGE")) out.push("takeCharge");
    if (triage && moves.includes("ASSIGN")) out.push("assign");
    if (triage && moves.includes("REQUEST_INFO")) out.push("requestInfo");
    if (triage && moves.includes("OPEN_PLAN")) out.push("openPlan");
    // The GPDS's referral: its référent or chef d'établissement, once, for a pupil who may be referred today.
    if (
      this.triage.may(actor, "REFER_TO_MLDS", c) &&
      moves.includes("ESCALATE") &&
      !c.escalatedToMlds &&
      mayReferToMlds(c.pupil.birthYear, c.pupil.birthDate, this.clock()).ok
    )
      out.push("referToMlds");
    if (this.triage.may(actor, "CLOSE_CASE", c) && moves.includes("DISMISS")) out.push("dismiss");
    if (this.transfers?.mayTransfer(actor, c)) out.push("transfer");
    return out;
  }

  private line(actor: Actor, row: CaseSummaryRow, scope: CaseScope, now: Date): TabCaseLine {
    const { knowsPupil, tracks } = whatActorKnows(actor, row, scope);
    return {
      reference: row.reference,
      status: row.status,
      urgency: row.urgency,
      reportedAt: row.createdAt.toISOString(),
      school: { id: row.schoolId, name: row.schoolName },
      pupil: knowsPupil
        ? { name: `${row.pupil.firstName} ${row.pupil.lastName}`, initials: initials(row.pupil.firstName, row.pupil.lastName), className: row.pupil.className }
        : null,
      assigneeName: tracks ? (row.assignee?.displayName ?? null) : null,
      nextReviewAt: tracks ? (row.nextReviewAt?.toISOString() ?? null) : null,
      late: tracks ? latenessOf({ status: row.status, createdAt: row.createdAt, nextReviewAt: row.nextReviewAt }, now) : null,
    };
  }
}
