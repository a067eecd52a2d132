import { parseFamilyInput, type FamilyRecord } from "../domain/families.js";
import { VersionConflictError, type Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { TriageResult, TriageService } from "./triage.js";

/**
 * What was done with the family and the young person: the family informed (when), met (when, by
 * whom), the young person's agreement (before any MLDS module) and the family's (before a PAFI).
 * Recorded by who follows the case, the school's GPDS members, or the bassin's coordinators once
 * the GPDS referred the case (permissions: RECORD_FAMILY). Each recording is a FAMILY_RECORDED
 * event of the case's chronology (who, when, which fields), the audit trail.
 */
export class FamilyService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly clock: () => Date,
  ) {}

  async record(actor: Actor, caseId: string, seenVersion: number, input: unknown): Promise<TriageResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    if (!this.triage.may(actor, "RECORD_FAMILY", c)) return { ok: false, reason: "FORBIDDEN" };
    if (c.status === "CLOSED" || c.pupil.anonymized) return { ok: false, reason: "INVALID_TRANSITION", case: c };
    if (c.version !== seenVersion) return { ok: false, reason: "CONFLICT", case: c };
    const parsed = parseFamilyInput(input, c.family, this.clock());
    if (!parsed.ok) return { ok: false, reason: "INVALID_INPUT", field: `family.${parsed.field}`, case: c };
    const fields = Object.keys(parsed.change) as (keyof FamilyRecord)[];
    // The same values again (a double click, a form sent twice): nothing to record.
    if (fields.length === 0) return { ok: true, case: c };
    const data: Record<string, unknown> = { fields };
    for (const f of fields) {
      const v = parsed.change[f];
      data[f] = v instanceof Date ? v.toISOString().slice(0, 10) : v;
    }
    try {
      const updated = await this.store.caseChanges.apply(
        c.id,
        seenVersion,
        { family: { fields: parsed.change, updatedById: actor.memberId } },
        { type: "FAMILY_RECORDED", actorId: actor.memberId, data },
        [],
      );
      return { ok: true, case: updated };
    } catch (err) {
      if (err instanceof VersionConflictError) return { ok: false, reason: "CONFLICT", case: (await this.store.caseChanges.get({ id: c.id })) ?? c };
      throw err;
    }
  }
}
