import { can, type CaseScope } from "../domain/permissions.js";
import type { CaseRecord, Store } from "../store/index.js";

/** Where a case sits, for the permission checks (domain/permissions.CaseScope). */
export function caseScopeOf(c: CaseRecord): CaseScope {
  return {
    schoolId: c.school.id,
    districtId: c.districtId,
    departmentCode: c.school.departmentCode,
    reporterIds: c.reporterIds,
    assigneeId: c.assignee?.id ?? null,
    escalatedToMlds: c.escalatedToMlds,
    // The age at the report date: no birthday, no 1 January hands a case to the MLDS by itself.
    pupilAge: c.ageAtReport,
    mldsAccess: c.mldsAccess,
    urgency: c.urgency,
    outOfSchool: c.outOfSchool,
  };
}

/**
 * Whether a member may (still) follow a case sitting at `scope`: they are active and may take it in
 * charge there on their own role (a référent of its school, a coordinator of its bassin once the
 * MLDS may act), not merely because they held it. A case that moves school or comes back to life
 * months later asks for a follower when its former one left or works elsewhere now.
 */
export async function mayFollow(store: Store, memberId: string, scope: CaseScope): Promise<boolean> {
  const m = await store.members.directoryMember(memberId);
  if (!m || !m.active) return false;
  return can({ memberId: m.id, role: m.role, schoolIds: m.schoolIds, districtId: m.districtId, departmentCode: m.departmentCode }, "TRIAGE", scope);
}
