import { can, type CaseScope } from "../domain/permissions.js";
import type { Store } from "../store/index.js";

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
