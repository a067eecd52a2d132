import { z } from "zod";
import { isPlanActionCode, ownerOfAction } from "./plan-catalogue.js";
import { safeText } from "./safe-text.js";
import { schoolYearsAround } from "./school-year.js";

/**
 * What was done with the family and the young person on a case: the family informed (when), met
 * (when, by whom), the young person's agreement (needed before any MLDS module) and the family's
 * (needed before a PAFI). Dates are calendar days (UTC midnight, as the database's dates read).
 */
export type FamilyRecord = {
  informedAt: Date | null;
  metAt: Date | null;
  metBy: string | null;
  youngPersonAgreedAt: Date | null;
  familyAgreedAt: Date | null;
};

export const EMPTY_FAMILY: FamilyRecord = { informedAt: null, metAt: null, metBy: null, youngPersonAgreedAt: null, familyAgreedAt: null };

export const FAMILY_DATE_FIELDS = ["informedAt", "metAt", "youngPersonAgreedAt", "familyAgreedAt"] as const;
export type FamilyDateField = (typeof FAMILY_DATE_FIELDS)[number];
export type FamilyField = FamilyDateField | "metBy";

export const MET_BY_MAX = 100;

/** A "YYYY-MM-DD" calendar day (as Input.Date sends it), read as that day at 00:00 UTC. */
export const calendarDay = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  // "2026-02-30" would become 2 March: only a day of the calendar.
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  })
  .transform((s) => new Date(`${s}T00:00:00Z`));
const blankToUndefined = (v: unknown) => (v === "" || v === null || (typeof v === "string" && v.trim() === "") ? undefined : v);
const optionalDay = z.preprocess(blankToUndefined, calendarDay.optional());

/** The family form as a card sends it: every field optional (a blank one leaves what was recorded). */
export const FamilyInput = z.object({
  informedAt: optionalDay,
  metAt: optionalDay,
  metBy: z.preprocess(blankToUndefined, safeText({ max: MET_BY_MAX, min: 1 }).optional()),
  youngPersonAgreedAt: optionalDay,
  familyAgreedAt: optionalDay,
});
export type FamilyInput = z.infer<typeof FamilyInput>;

export type FamilyParse = { ok: true; change: Partial<FamilyRecord> } | { ok: false; field: FamilyField | "empty" };

/**
 * Reads the family form against what is recorded, on `now`: each date a real day, not in the
 * future and not before the previous school year; a meeting says who met the family; a form with
 * nothing in it is refused. Returns only the fields that change.
 */
export function parseFamilyInput(input: unknown, current: FamilyRecord, now: Date): FamilyParse {
  const parsed = FamilyInput.safeParse(input ?? {});
  if (!parsed.success) return { ok: false, field: String(parsed.error.issues[0]?.path[0] ?? "empty") as FamilyField };
  const today = now.toISOString().slice(0, 10);
  const { first } = schoolYearsAround(now);
  const change: Partial<FamilyRecord> = {};
  for (const field of FAMILY_DATE_FIELDS) {
    const d = parsed.data[field];
    if (!d) continue;
    const iso = d.toISOString().slice(0, 10);
    if (iso > today || iso < first) return { ok: false, field };
    if (current[field]?.getTime() !== d.getTime()) change[field] = d;
  }
  const metBy = parsed.data.metBy;
  if (metBy !== undefined && metBy !== current.metBy) change.metBy = metBy;
  // A meeting names who met the family; who met it goes with a meeting.
  if (change.metAt && !(change.metBy ?? current.metBy)) return { ok: false, field: "metBy" };
  if (change.metBy && !(change.metAt ?? current.metAt)) return { ok: false, field: "metAt" };
  const anything = Object.values(parsed.data).some((v) => v !== undefined);
  if (!anything) return { ok: false, field: "empty" };
  return { ok: true, change };
}

/** Whose agreement must be on record before an action joins a plan: the young person's for an
 *  MLDS module, the family's for a PAFI. */
export type Agreement = "YOUNG_PERSON" | "FAMILY";

export function agreementFor(actionType: string): Agreement | null {
  if (actionType === "PAFI") return "FAMILY";
  if (isPlanActionCode(actionType) && ownerOfAction(actionType) === "MLDS") return "YOUNG_PERSON";
  return null;
}

/** The agreement an action still lacks on this case, or null when it may be added. */
export function missingAgreement(actionType: string, family: FamilyRecord): Agreement | null {
  const needed = agreementFor(actionType);
  if (needed === "YOUNG_PERSON" && family.youngPersonAgreedAt === null) return needed;
  if (needed === "FAMILY" && family.familyAgreedAt === null) return needed;
  return null;
}
