import type { CaseScope } from "../domain/permissions.js";
import type { CaseRecord, CaseSummaryRow } from "../store/index.js";

/** Where a case sits, for the permission checks (domain/permissions.CaseScope): the same answer
 *  for a case record (cards, actions) and a list row (chat lists, the tab). */
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

/** See caseScopeOf: a list row. */
export function caseScopeOfRow(row: CaseSummaryRow): CaseScope {
  return {
    schoolId: row.schoolId,
    districtId: row.districtId,
    reporterIds: row.reporterIds,
    assigneeId: row.assignee?.id ?? null,
    escalatedToMlds: row.escalatedToMlds,
    pupilAge: row.ageAtReport,
    mldsAccess: row.mldsAccess,
    urgency: row.urgency,
    outOfSchool: row.outOfSchool,
  };
}
