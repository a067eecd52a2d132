import { reviewLateBefore, schoolCalendar, type SchoolCalendar } from "../domain/school-days.js";
import { latenessOf, nameSearchTokens, nameSlips, newCaseLateBefore, slipPatterns, visibilityOf, type Lateness } from "../domain/case-queries.js";
import { CASE_STATUSES, type CaseStatus } from "../domain/lifecycle.js";
import { can, scopeOf, staysWithSchool, type CaseScope } from "../domain/permissions.js";
import { initials } from "../domain/text.js";
import type { CaseFilter, CaseListRows, CaseSummaryRow, Store } from "../store/index.js";
import { DirectorySchoolRepository } from "../store/directory-schools.js";
import type { Actor } from "./members.js";
import { pastTransferOf } from "./transfers.js";
import { caseScopeOfRow } from "./case-scope.js";

/** Where the answer is shown: a personal chat, or a channel (or group chat) that everyone in it reads. */
export type QueryAudience = "personal" | "channel";

/** At most this many cases in one answer; name searches fetch one more to know there are more. */
export const QUERY_LIST_LIMIT = 10;

/** One case as the caller may see it. What is absent is not for them: `pupil` for those who neither
 *  follow the case nor reported it (académie admins), `pupil.name` in a channel, `tracking` (who
 *  follows it, what happened last, the next review) for a teacher, who sees only the status. */
export type CaseLine = {
  caseId: string;
  reference: string;
  status: CaseStatus;
  reportedAt: Date;
  schoolName: string;
  pupil: { name: string | null; initials: string; className: string | null } | null;
  tracking: { assigneeName: string | null; lastEvent: { type: string; at: Date } | null; nextReviewAt: Date | null; late: Lateness | null } | null;
  /** Whether the case card (Action.Execute case.refresh) is worth offering: the caller acts on it. */
  canOpen: boolean;
  /** Who follows the case, as a reporter may know it (no name): nobody yet, the school, the MLDS;
   *  NO_OWNER when nobody does and the school has no référent or chef d'établissement to do it. */
  followedBy: "NOBODY" | "SCHOOL" | "MLDS" | "NO_OWNER";
};

/** How many of a young person's other cases a status answer lists. */
export const LINKED_CASES_LIMIT = 5;

export type CaseList = { lines: CaseLine[]; total: number; counts: { status: CaseStatus; count: number }[] };

/** How many « Même élève ? » questions a status answer asks at most. */
export const SAME_PERSON_QUESTIONS_LIMIT = 3;

/** « Même élève ? »: a case of another pupil row that may be the same young person as the case
 *  shown (same folded names and birth year, a birth date missing on one side), asked only of who
 *  may see both in detail. */
export type SamePersonQuestion = {
  caseId: string;
  otherCaseId: string;
  otherReference: string;
  otherSchoolName: string;
  otherBirthYear: number;
  /** Whether the other side has a full birth date (the shown case's pupil then has none). */
  otherHasBirthDate: boolean;
  otherName: string;
  otherStatus: CaseStatus;
};

export type SamePersonOutcome =
  | { ok: true; recorded: boolean; same: boolean; reference: string; otherReference: string; questions: SamePersonQuestion[] }
  /** NOT_FOUND also when either case is not the caller's to see in detail: a forged answer learns nothing. */
  | { ok: false; reason: "NOT_FOUND" | "NOT_A_QUESTION" };

export type StatusResult =
  /** `linked`: in personal chat, the young person's other cases the caller may see by name
   *  (another school, an earlier school year, a campaign list), newest first. `samePerson`: the
   *  cases that may be the same young person, for who may see both (personal chat only). */
  | { ok: true; line: CaseLine; linked: CaseLine[]; samePerson: SamePersonQuestion[] }
  /** NOT_FOUND also when the case exists but is not the caller's to see: existence is not revealed. */
  | { ok: false; reason: "NOT_FOUND" | "PERSONAL_ONLY" }
  /** The case left for another school of the académie, which the caller (who took part in it at the
   *  school it left) may know, and when; nothing of where it went nor what happened there since. */
  | { ok: false; reason: "TRANSFERRED"; reference: string; at: Date };

/** `closeNames`: when nothing matched in a personal chat, the names of the caller's cases one slip
 *  away from what was typed ("Henaut" for Hénault), closest first. */
export type NameSearchResult =
  { ok: true; lines: CaseLine[]; more: boolean; closeNames?: string[] } | { ok: false; reason: "NO_NAMES" | "INVALID_NAME" | "PERSONAL_ONLY" };

/** At most this many close names are offered. */
export const CLOSE_NAMES_LIMIT = 5;
export type ToDoResult = { ok: true; list: CaseList } | { ok: false; reason: "NOT_FOR_ROLE" };

/** The quick questions typed in chat. Every answer is filtered by the caller's scope in the
 *  database (the same table as `can()`, through domain/case-queries) and every case is checked
 *  again with `can()` before it is returned. In a channel, the cases of a school's GPDS alone
 *  (under 16, not sent to the MLDS) are left out, as they are from the MLDS channel itself. */
export class QueryService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
    private readonly calendar: SchoolCalendar = schoolCalendar(),
  ) {}

  async statusByReference(actor: Actor, reference: string, audience: QueryAudience): Promise<StatusResult> {
    const row = await this.store.caseQueries.byReference(reference);
    if (!row) return { ok: false, reason: "NOT_FOUND" };
    const now = this.clock();
    const scope = caseScopeOfRow(row);
    // Someone of the school (or bassin) a case left, who no longer sees it where it is: that it was
    // transferred, and when. A reporter sees their own reports anywhere, but not where this one went.
    if (!can(actor, "VIEW_STATUS", { ...scope, reporterIds: [] })) {
      const past = await pastTransferOf(this.store, actor, row.id, row.reporterIds);
      if (past) return { ok: false, reason: "TRANSFERRED", reference: row.reference, at: past.at };
    }
    if (!can(actor, "VIEW_STATUS", scope)) return { ok: false, reason: "NOT_FOUND" };
    if (audience === "channel" && staysWithSchool(scope)) return { ok: false, reason: "PERSONAL_ONLY" };
    const [line] = await this.withOwners([this.line(actor, row, scope, audience, now)], [row]);
    const followsPupil = audience === "personal" && Boolean(line!.pupil?.name) && can(actor, "VIEW_DETAILS", scope);
    return {
      ok: true,
      line: line!,
      linked: followsPupil ? await this.linked(actor, row.id, now) : [],
      samePerson: followsPupil ? await this.samePersonQuestions(actor, row, now) : [],
    };
  }

  /** « Même élève ? »: the uncertain matches of a case's pupil among the cases the caller may see
   *  in detail (the caller sees this case in detail already), one per other pupil row, newest
   *  first. A reporter of one school never reads that the young person is followed elsewhere: the
   *  question needs VIEW_DETAILS on both cases. */
  private async samePersonQuestions(actor: Actor, row: CaseSummaryRow, now: Date): Promise<SamePersonQuestion[]> {
    if (row.pupil.anonymized) return [];
    const filter = this.filter(actor, "personal", now);
    if (!filter) return [];
    const found = await this.store.caseQueries.possiblySameYoungPerson(filter, row.id, 4 * SAME_PERSON_QUESTIONS_LIMIT);
    const seen = new Set<string>();
    const out: SamePersonQuestion[] = [];
    for (const other of found.rows) {
      if (seen.has(other.pupilId) || other.pupil.anonymized || !can(actor, "VIEW_DETAILS", caseScopeOfRow(other))) continue;
      seen.add(other.pupilId);
      out.push({
        caseId: row.id,
        otherCaseId: other.id,
        otherReference: other.reference,
        otherSchoolName: other.schoolName,
        otherBirthYear: other.pupil.birthYear,
        otherHasBirthDate: other.pupil.birthDate !== null,
        otherName: `${other.pupil.firstName} ${other.pupil.lastName}`,
        otherStatus: other.status,
      });
      if (out.length >= SAME_PERSON_QUESTIONS_LIMIT) break;
    }
    return out;
  }

  /** The answer to « Même élève ? » for two cases: checked again as if asked now (both cases seen
   *  in detail by the caller, still an uncertain pair), recorded once for the pair of pupil rows,
   *  with an event on each case. « Oui » joins the two timelines (sameYoungPerson), « Non » stops
   *  the question. Returns the questions that remain for `caseId`. */
  async decideSamePerson(actor: Actor, caseId: string, otherCaseId: string, same: boolean): Promise<SamePersonOutcome> {
    const now = this.clock();
    const [row, other] = await Promise.all([this.store.caseQueries.byId(caseId), this.store.caseQueries.byId(otherCaseId)]);
    if (!row || !other || row.id === other.id) return { ok: false, reason: "NOT_FOUND" };
    if (!can(actor, "VIEW_DETAILS", caseScopeOfRow(row)) || !can(actor, "VIEW_DETAILS", caseScopeOfRow(other))) return { ok: false, reason: "NOT_FOUND" };
    const outcome = await this.store.pupilLinks.decide({ caseId: row.id, otherCaseId: other.id, same, actorId: actor.memberId, now });
    if (!outcome.ok) return { ok: false, reason: outcome.reason };
    return {
      ok: true,
      recorded: outcome.recorded,
      same,
      reference: row.reference,
      otherReference: other.reference,
      questions: await this.samePersonQuestions(actor, row, now),
    };
  }

  /** One young person, one timeline: their other cases, shown only to who may know the pupil of
   *  each (the link itself says who the young person is). */
  private async linked(actor: Actor, caseId: string, now: Date): Promise<CaseLine[]> {
    const filter = this.filter(actor, "personal", now);
    if (!filter) return [];
    const found = await this.store.caseQueries.sameYoungPerson(filter, caseId, LINKED_CASES_LIMIT);
    // Only who may read each case's details: a reporter knows their own pupil, not where the young
    // person went since (a transfer tells them no school).
    const followed = found.rows.filter((r) => can(actor, "VIEW_DETAILS", caseScopeOfRow(r)));
    return this.lines(actor, followed, "personal", now).filter((l) => l.pupil?.name);
  }

  /** Cases whose pupil's name holds every typed word, in personal chat. Not for the académie's
   *  admins, who see no pupil names. */
  async statusByName(actor: Actor, name: string, audience: QueryAudience): Promise<NameSearchResult> {
    // In a channel or a group chat, any answer (even "none", even initials) would tell everyone
    // whether the name typed there has a dropout case: names are searched in personal chat only.
    if (audience === "channel") return { ok: false, reason: "PERSONAL_ONLY" };
    const now = this.clock();
    const filter = this.filter(actor, audience, now);
    // Names are matched only for people who may see them: those who follow cases, and reporters.
    const seesNames = scopeOf(actor.role, "VIEW_DETAILS") !== null || scopeOf(actor.role, "VIEW_STATUS") === "OWN_REPORTS";
    if (!filter || !seesNames) return { ok: false, reason: "NO_NAMES" };
    const tokens = nameSearchTokens(name);
    if (tokens.length === 0) return { ok: false, reason: "INVALID_NAME" };
    const rows = await this.store.caseQueries.searchByName(filter, tokens, QUERY_LIST_LIMIT + 1);
    if (rows.length === 0 && audience === "personal") {
      const closeNames = await this.closeNames(actor, filter, tokens, now);
      if (closeNames.length > 0) return { ok: true, lines: [], more: false, closeNames };
    }
    const shown = rows.slice(0, QUERY_LIST_LIMIT);
    return { ok: true, lines: await this.withOwners(this.lines(actor, shown, audience, now), shown), more: rows.length > QUERY_LIST_LIMIT };
  }

  /** Names one slip away, among the cases the caller may see by name (the same scope and checks
   *  as the search itself). */
  private async closeNames(actor: Actor, filter: CaseFilter, tokens: string[], now: Date): Promise<string[]> {
    const rows = await this.store.caseQueries.searchByNamePatterns(filter, tokens.map(slipPatterns), 4 * QUERY_LIST_LIMIT);
    const found = new Map<string, number>();
    for (const line of this.lines(actor, rows, "personal", now)) {
      const row = rows.find((r) => r.id === line.caseId)!;
      const slips = line.pupil?.name ? nameSlips(tokens, row.pupil) : null;
      if (slips === null || !line.pupil?.name) continue;
      found.set(line.pupil.name, Math.min(found.get(line.pupil.name) ?? Infinity, slips));
    }
    return [...found]
      .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0], "fr"))
      .slice(0, CLOSE_NAMES_LIMIT)
      .map(([name]) => name);
  }

  /** The cases the caller reported (whatever their role), newest first. */
  async myReports(actor: Actor, audience: QueryAudience): Promise<CaseList> {
    const now = this.clock();
    const filter = this.filter(actor, audience, now);
    if (!filter) return { lines: [], total: 0, counts: [] };
    return this.list(actor, await this.store.caseQueries.reportedBy(filter, actor.memberId, QUERY_LIST_LIMIT), audience, now);
  }

  /** "À traiter": for the people who triage (référents, coordinators), the open cases of their
   *  scope waiting for an action, the oldest first, with a count per status of all of them. */
  async toDo(actor: Actor, audience: QueryAudience): Promise<ToDoResult> {
    if (scopeOf(actor.role, "TRIAGE") === null) return { ok: false, reason: "NOT_FOR_ROLE" };
    const now = this.clock();
    const filter = this.filter(actor, audience, now);
    if (!filter) return { ok: false, reason: "NOT_FOR_ROLE" };
    // A coordinator's « à traiter » holds the cases they may act on: referred by the GPDS, or as the
    // bassin's setting lets them act before its decision (domain: permissions.mldsMayAct).
    const found = await this.store.caseQueries.waitingFor(filter, actor.memberId, QUERY_LIST_LIMIT, { mldsMayActOnly: actor.role === "COORDINATOR" });
    return { ok: true, list: await this.list(actor, found, audience, now) };
  }

  /** "En retard": open cases of the caller's scope whose review date has passed, or still new more
   *  than two school days after they were reported; the oldest first. */
  async overdue(actor: Actor, audience: QueryAudience): Promise<CaseList> {
    const now = this.clock();
    const filter = this.filter(actor, audience, now);
    if (!filter) return { lines: [], total: 0, counts: [] };
    return this.list(
      actor,
      await this.store.caseQueries.overdue(filter, reviewLateBefore(now, this.calendar), newCaseLateBefore(now, this.calendar), QUERY_LIST_LIMIT),
      audience,
      now,
    );
  }

  /** The caller's VIEW_STATUS scope, narrowed in a channel to the cases the MLDS may see. */
  private filter(actor: Actor, audience: QueryAudience, now: Date): CaseFilter | null {
    const visibility = visibilityOf(actor, "VIEW_STATUS", now);
    if (!visibility) return null;
    return { visibility, onlyMldsCases: audience === "channel" };
  }

  private async list(actor: Actor, found: CaseListRows, audience: QueryAudience, now: Date): Promise<CaseList> {
    const order = new Map(CASE_STATUSES.map((s, i) => [s, i]));
    const counts = found.counts.filter((c) => c.count > 0).sort((a, b) => (order.get(a.status) ?? 0) - (order.get(b.status) ?? 0));
    const lines = await this.withOwners(this.lines(actor, found.rows, audience, now), found.rows);
    return { lines, total: counts.reduce((n, c) => n + c.count, 0), counts };
  }

  /** A case nobody follows yet in a school without a référent or chef d'établissement: its reporter
   *  must not read that the school's référent will examine it (see SchoolOwnerService). */
  private async withOwners(lines: CaseLine[], rows: readonly CaseSummaryRow[]): Promise<CaseLine[]> {
    const waiting = lines.filter((l) => l.followedBy === "NOBODY" && l.status !== "CLOSED");
    if (waiting.length === 0) return lines;
    const schoolOf = new Map(rows.map((r) => [r.id, r.schoolId]));
    const led = await new DirectorySchoolRepository(this.store.db.kysely).ledSchoolIds([...new Set(waiting.map((l) => schoolOf.get(l.caseId)!))]);
    return lines.map((l) => (l.followedBy === "NOBODY" && l.status !== "CLOSED" && !led.has(schoolOf.get(l.caseId)!) ? { ...l, followedBy: "NO_OWNER" } : l));
  }

  /** Each case checked once more with `can()`: the SQL scope and the permission table must agree. */
  private lines(actor: Actor, rows: CaseSummaryRow[], audience: QueryAudience, now: Date): CaseLine[] {
    const out: CaseLine[] = [];
    for (const row of rows) {
      const scope = caseScopeOfRow(row);
      if (!can(actor, "VIEW_STATUS", scope) || (audience === "channel" && staysWithSchool(scope))) continue;
      out.push(this.line(actor, row, scope, audience, now));
    }
    return out;
  }

  private line(actor: Actor, row: CaseSummaryRow, scope: CaseScope, audience: QueryAudience, now: Date): CaseLine {
    const { details, knowsPupil, tracks } = whatActorKnows(actor, row, scope);
    return {
      caseId: row.id,
      reference: row.reference,
      status: row.status,
      reportedAt: row.createdAt,
      schoolName: row.schoolName,
      pupil: knowsPupil
        ? {
            name: audience === "personal" ? `${row.pupil.firstName} ${row.pupil.lastName}` : null,
            initials: initials(row.pupil.firstName, row.pupil.lastName),
            className: row.pupil.className,
          }
        : null,
      tracking: tracks
        ? {
            assigneeName: row.assignee?.displayName ?? null,
            lastEvent: row.lastEvent,
            nextReviewAt: row.nextReviewAt,
            late: latenessOf({ status: row.status, createdAt: row.createdAt, nextReviewAt: row.nextReviewAt }, now, this.calendar),
          }
        : null,
      canOpen: details || can(actor, "TRIAGE", scope),
      followedBy: !row.assignee ? "NOBODY" : row.assignee.role === "COORDINATOR" ? "MLDS" : "SCHOOL",
    };
  }
}

/** What a list line may show this actor: the pupil (a teacher knows whom they reported; everyone
 *  else needs the right to the details), and where the case stands. The chat's lists and the tab's. */
export function whatActorKnows(actor: Actor, row: CaseSummaryRow, scope: CaseScope): { details: boolean; knowsPupil: boolean; tracks: boolean } {
  const details = can(actor, "VIEW_DETAILS", scope);
  const knowsPupil = (details || scope.reporterIds.includes(actor.memberId)) && !row.pupil.anonymized;
  return { details, knowsPupil, tracks: details || can(actor, "VIEW_HISTORY", scope) };
}
