// The rules behind the chat queries (statut, mes signalements, à traiter, en retard), in a form
// the store can turn into SQL: which cases a member may see, when a case counts as late, what
// "waiting for action" means, and how a typed name is matched. Each rule mirrors `can()` or the
// lifecycle so that lists answer exactly what the permission table allows, without loading cases.

import { ASSIGNEE_OPERATIONS, scopeOf, type Actor, type CaseScope, type Operation } from "./permissions.js";
import type { CaseStatus } from "./lifecycle.js";
import { MLDS_MIN_AGE, concernsMlds } from "./routing.js";
import { isBassinRole } from "./roles.js";
import { parisCalendarDate } from "./school-year.js";
import { newCaseLateBeforeIn, reviewLateBefore, schoolCalendar, type SchoolCalendar } from "./school-days.js";
import { nameWords, typoDistance } from "./text.js";

/** The latest birth (date, or year when only the year is known) of a pupil who is 16 or over on a
 *  given day: `ageOn(...) >= MLDS_MIN_AGE` exactly when the birth is on or before these. */
export type MldsAgeLimit = { bornOnOrBefore: string; birthYearAtMost: number };

/** Where a role reaches for an operation, as `can()` decides it, in terms a query can filter on. */
export type CaseArea =
  | { kind: "reportedBy"; memberId: string }
  | { kind: "schools"; schoolIds: string[] }
  | { kind: "district"; districtId: string }
  | { kind: "department"; departmentCode: string }
  | { kind: "academy" }
  | { kind: "nothing" };

/**
 * The cases a member may see for an operation: those of the area (for the bassin's roles, only the
 * ones that concern the MLDS: 16 or over, or sent by the school), plus those assigned to them when the
 * operation is one the person in charge may always do.
 */
export type CaseVisibility = {
  area: CaseArea;
  /** When true, cases of the area must concern the MLDS (referred, or the pupil was 16 or over at
   *  the report date: Case.ageAtReport). */
  mldsOnly: boolean;
  /** Cases assigned to this member are visible whatever the area. */
  alsoAssignedTo: string | null;
};

/** Where the cases of a school's GPDS alone (under 16, not sent to the MLDS) must not show. */
export function mldsAgeLimit(now: Date): MldsAgeLimit {
  const today = parisCalendarDate(now);
  const year = today.year - MLDS_MIN_AGE;
  // Born on 29 February: the 16th birthday of a year without one is reached on 1 March (ageOn).
  const day = Math.min(today.day, daysInMonth(year, today.month));
  return { bornOnOrBefore: `${pad(year, 4)}-${pad(today.month, 2)}-${pad(day, 2)}`, birthYearAtMost: year };
}

/** Whether a pupil is 16 or over by the limit, the same answer as `ageOn(...) >= MLDS_MIN_AGE`. */
export function reachesMldsAge(birthYear: number, birthDate: Date | null, limit: MldsAgeLimit): boolean {
  if (birthDate === null || Number.isNaN(birthDate.getTime())) return birthYear <= limit.birthYearAtMost;
  return isoDate(birthDate) <= limit.bornOnOrBefore;
}

/** The cases `actor` may `op` on, or null when the role never may. Mirrors `can()`. */
export function visibilityOf(actor: Actor, op: Operation, _now?: Date): CaseVisibility | null {
  const scope = scopeOf(actor.role, op);
  if (scope === null) return null;
  const area: CaseArea =
    scope === "OWN_REPORTS"
      ? { kind: "reportedBy", memberId: actor.memberId }
      : scope === "SCHOOL"
        ? { kind: "schools", schoolIds: [...actor.schoolIds] }
        : scope === "DISTRICT"
          ? actor.districtId !== null
            ? { kind: "district", districtId: actor.districtId }
            : { kind: "nothing" }
          : scope === "DEPARTMENT"
            ? actor.departmentCode !== null && actor.departmentCode !== undefined
              ? { kind: "department", departmentCode: actor.departmentCode }
              : { kind: "nothing" }
            : { kind: "academy" };
  return {
    area,
    mldsOnly: isBassinRole(actor.role) && op !== "CREATE_REPORT",
    // A branch that could find nothing still costs its planning: the cases a member holds are
    // looked for only when they hold some.
    alsoAssignedTo: (ASSIGNEE_OPERATIONS as readonly Operation[]).includes(op) && actor.holdsCases !== false ? actor.memberId : null,
  };
}

/** What a visibility says about one case; the store says the same in SQL. */
export type VisibleCase = Pick<CaseScope, "schoolId" | "districtId" | "departmentCode" | "reporterIds" | "assigneeId" | "escalatedToMlds"> & {
  /** Case.ageAtReport: the pupil's age at the report date; null when unknown. */
  ageAtReport: number | null;
};

export function isVisible(v: CaseVisibility, c: VisibleCase): boolean {
  if (v.alsoAssignedTo !== null && c.assigneeId === v.alsoAssignedTo) return true;
  if (!inArea(v.area, c)) return false;
  return !v.mldsOnly || concernsMldsBy(c);
}

/** Referred to the MLDS, or a pupil of 16 or over at the report date (unknown counts as 16 or
 *  over, as routing.concernsMlds): a case that may be shown to the MLDS. */
export function concernsMldsBy(c: Pick<VisibleCase, "escalatedToMlds" | "ageAtReport">): boolean {
  return concernsMlds(c.ageAtReport, c.escalatedToMlds);
}

function inArea(area: CaseArea, c: VisibleCase): boolean {
  switch (area.kind) {
    case "reportedBy":
      return c.reporterIds.includes(area.memberId);
    case "schools":
      return area.schoolIds.includes(c.schoolId);
    case "district":
      return c.districtId === area.districtId;
    case "department":
      return c.departmentCode === area.departmentCode;
    case "academy":
      return true;
    case "nothing":
      return false;
  }
}

/** Statuses that wait for the référent or the coordinator whoever holds the case. */
export const WAITING_STATUSES = ["NEW", "INFO_REQUESTED", "REVIEW_DUE"] as const satisfies readonly CaseStatus[];

/** "À traiter": waiting statuses, plus cases taken in charge by this member or by nobody yet. */
export function isWaitingFor(memberId: string, c: { status: CaseStatus; assigneeId: string | null }): boolean {
  if ((WAITING_STATUSES as readonly CaseStatus[]).includes(c.status)) return true;
  return c.status === "ACKNOWLEDGED" && (c.assigneeId === null || c.assigneeId === memberId);
}

/** A new case must be taken in charge within this many school days (no weekend, public holiday
 *  or school holidays: src/domain/school-days.ts). */
export const NEW_CASE_GRACE_SCHOOL_DAYS = 2;

/** New cases created before this instant are late. */
export function newCaseLateBefore(now: Date, calendar: SchoolCalendar = schoolCalendar()): Date {
  return newCaseLateBeforeIn(now, NEW_CASE_GRACE_SCHOOL_DAYS, calendar);
}

export type Lateness = "REVIEW_PASSED" | "NOT_TAKEN_IN_CHARGE";

/** Why an open case is late ("en retard"), or null: its review date has passed (counted in school
 *  days: reviewLateBefore), or it is still new more than two school days after it was reported. */
export function latenessOf(
  c: { status: CaseStatus; createdAt: Date; nextReviewAt: Date | null },
  now: Date,
  calendar: SchoolCalendar = schoolCalendar(),
): Lateness | null {
  if (c.status === "CLOSED") return null;
  if (c.nextReviewAt !== null && c.nextReviewAt.getTime() < reviewLateBefore(now, calendar).getTime()) return "REVIEW_PASSED";
  if (c.status === "NEW" && c.createdAt.getTime() < newCaseLateBefore(now, calendar).getTime()) return "NOT_TAKEN_IN_CHARGE";
  return null;
}

/** At most this many words of a typed name are matched (a name, not a sentence). */
export const MAX_NAME_TOKENS = 5;

/**
 * The words of a typed name, in the form of `Pupil.nameKey` ("last first", as `nameWords`): every
 * one must appear in the key. Dots of initials are dropped ("L. Dupont" -> "l", "dupont"), and a
 * compound name gives its parts ("Moreau-Lefèvre" -> "moreau", "lefevre").
 */
export function nameSearchTokens(name: string): string[] {
  const tokens = nameWords(name.replace(/[.,;:]/g, " "));
  return [...new Set(tokens)].slice(0, MAX_NAME_TOKENS);
}

/** Words shorter than this are not corrected: one slip away from "lea" are dozens of names. */
export const MIN_SLIP_WORD_LENGTH = 4;

/**
 * LIKE patterns (on `Pupil.nameKey`) for one typed word: the word itself anywhere in the key, and,
 * for a long enough word, every form one slip away (a letter changed, missing, extra, or two letters
 * swapped), so that the database offers the few keys worth comparing. `_` is LIKE's one character;
 * the word's own LIKE characters are escaped.
 */
export function slipPatterns(word: string): string[] {
  const letters = Array.from(word);
  const esc = (chars: string[]) => chars.map((c) => c.replace(/[\\%_]/g, (x) => `\\${x}`)).join("");
  const patterns = new Set([`%${esc(letters)}%`]);
  if (letters.length >= MIN_SLIP_WORD_LENGTH) {
    for (let i = 0; i <= letters.length; i++) {
      const before = esc(letters.slice(0, i));
      if (i < letters.length) {
        patterns.add(`%${before}_${esc(letters.slice(i + 1))}%`); // changed
        patterns.add(`%${before}${esc(letters.slice(i + 1))}%`); // extra letter typed
      }
      patterns.add(`%${before}_${esc(letters.slice(i))}%`); // letter missing
      if (i + 1 < letters.length) patterns.add(`%${before}${esc([letters[i + 1]!, letters[i]!])}${esc(letters.slice(i + 2))}%`); // swapped
    }
  }
  return [...patterns];
}

/**
 * How far a typed name is from a pupil's name: the slips of the typed words that are not found as
 * they are, each within one slip of a word of the name; null when a word is further away. A word
 * found as it is (anywhere in the name, as the search looks for it) costs nothing.
 */
export function nameSlips(tokens: readonly string[], pupil: { lastName: string; firstName: string }): number | null {
  const words = nameWords(`${pupil.lastName} ${pupil.firstName}`);
  const key = words.join(" ");
  let slips = 0;
  for (const token of tokens) {
    if (key.includes(token)) continue;
    if (Array.from(token).length < MIN_SLIP_WORD_LENGTH || !words.some((w) => typoDistance(token, w) <= 1)) return null;
    slips++;
  }
  return slips;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function isoDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}
