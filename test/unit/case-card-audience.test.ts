import { describe, expect, it } from "vitest";
import { CaseCardService, MAX_REFRESH_USERS } from "../../src/services/case-cards.js";
import { TriageService } from "../../src/services/triage.js";
import type { RoutingService } from "../../src/services/routing.js";
import type { CaseRecord, Store } from "../../src/store/index.js";
import type { CardAudienceMember } from "../../src/store/members.js";
import type { Role } from "../../src/domain/roles.js";

/** Who a channel card is refreshed for (Universal Actions userIds): people who may act on the case,
 *  as the permission table answers for each, at most the 60 Teams allows, those who triage first. */

const SCHOOL = "school-1";
const DISTRICT = "district-nord";

function aCase(over: Partial<{ ageAtReport: number | null; urgency: number; escalatedToMlds: boolean }> = {}): CaseRecord {
  return {
    id: "case-1",
    school: { id: SCHOOL, departmentCode: "069" },
    districtId: DISTRICT,
    reporterIds: ["reporter"],
    assignee: null,
    escalatedToMlds: over.escalatedToMlds ?? false,
    ageAtReport: over.ageAtReport === undefined ? 17 : over.ageAtReport,
    mldsAccess: "URGENT_OR_OUT_OF_SCHOOL",
    urgency: over.urgency ?? 3,
    outOfSchool: false,
  } as unknown as CaseRecord;
}

function member(id: string, role: Role): CardAudienceMember {
  const coordinator = role === "COORDINATOR";
  return { id, role, districtId: coordinator ? DISTRICT : null, departmentCode: null, schoolIds: coordinator ? [] : [SCHOOL], teamsUserId: `29:${id}` };
}

function service(people: CardAudienceMember[]): CaseCardService {
  const store = { members: { cardAudienceOf: async () => people } } as unknown as Store;
  return new CaseCardService(store, new TriageService(store, {} as RoutingService, () => new Date()));
}

describe("the people a channel case card is refreshed for", () => {
  it("lists at most 60 people, in the order given (those who triage come first)", async () => {
    const people = [member("coord", "COORDINATOR"), ...Array.from({ length: 70 }, (_, i) => member(`cpe-${i}`, "CPE"))];
    const ids = await service(people).refreshUserIds(aCase());
    expect(ids).toHaveLength(MAX_REFRESH_USERS);
    expect(ids[0]).toBe("29:coord");
  });

  it("leaves out the bassin's coordinators from a case the school's GPDS keeps (under 16, not referred)", async () => {
    const people = [member("coord", "COORDINATOR"), member("ref", "REFERENT"), member("cpe", "CPE")];
    expect(await service(people).refreshUserIds(aCase({ ageAtReport: 14 }))).toEqual(["29:ref", "29:cpe"]);
    expect(await service(people).refreshUserIds(aCase({ ageAtReport: 14, escalatedToMlds: true }))).toEqual(["29:coord", "29:ref", "29:cpe"]);
  });

  it("gives each person the buttons of their own permissions", () => {
    const cards = service([]);
    const actor = (role: Role, id = role) => ({ ...member(id, role), memberId: id, displayName: id, locale: null });
    expect(cards.permissions(actor("REFERENT"), aCase())).toEqual({ triage: true, close: true, plan: true, details: true });
    expect(cards.permissions(actor("CPE"), aCase())).toEqual({ triage: false, close: false, plan: false, details: true });
    // Before the GPDS refers a non-urgent case, the coordinator reads it but does not act.
    expect(cards.permissions(actor("COORDINATOR"), aCase({ urgency: 1 }))).toEqual({ triage: false, close: false, plan: false, details: true });
    expect(cards.permissions(actor("COORDINATOR"), aCase({ urgency: 3 }))).toEqual({ triage: true, close: true, plan: true, details: true });
  });
});
