import type { Operation } from "../domain/permissions.js";
import type { CaseRecord, Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { TriageService } from "./triage.js";

/** Teams shows a card's user-specific view to at most 60 people (Universal Actions `refresh.userIds`). */
export const MAX_REFRESH_USERS = 60;

/** What a person may do on a case from its card, each answered by the permission table
 *  (src/domain/permissions.ts) for this case. The card offers a button only where its flag holds;
 *  the service behind each button checks the caller again. */
export type CaseCardPermissions = {
  /** Take in charge, assign, ask the reporter, open the plan (TRIAGE). */
  triage: boolean;
  /** Close: no support needed (CLOSE_CASE). */
  close: boolean;
  /** See and work on the plan (EDIT_PLAN). */
  plan: boolean;
  /** Details, sent to the personal chat (VIEW_DETAILS). */
  details: boolean;
};

export const NO_CARD_PERMISSIONS: CaseCardPermissions = { triage: false, close: false, plan: false, details: false };

const OPERATION_OF: Record<keyof CaseCardPermissions, Operation> = {
  triage: "TRIAGE",
  close: "CLOSE_CASE",
  plan: "EDIT_PLAN",
  details: "VIEW_DETAILS",
};

/** Per-person case cards in channels: who a card is refreshed for, and what each one may do. */
export class CaseCardService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
  ) {}

  /** The buttons a person's view of the case card may carry. */
  permissions(actor: Actor, c: CaseRecord): CaseCardPermissions {
    const out = { ...NO_CARD_PERMISSIONS };
    for (const key of Object.keys(OPERATION_OF) as (keyof CaseCardPermissions)[]) out[key] = this.triage.may(actor, OPERATION_OF[key], c);
    return out;
  }

  /**
   * The Teams user ids a channel card of the case is refreshed for: the school's GPDS members and
   * the bassin's coordinators who may act on the case (a button of their own, as permissions()
   * answers), those who triage first, at most 60. Everyone else keeps the read-only card.
   */
  async refreshUserIds(c: CaseRecord): Promise<string[]> {
    const people = await this.store.members.cardAudienceOf(c.districtId, c.school.id);
    const ids: string[] = [];
    for (const p of people) {
      const actor: Actor = {
        memberId: p.id,
        displayName: "",
        role: p.role,
        schoolIds: p.schoolIds,
        districtId: p.districtId,
        departmentCode: p.departmentCode,
        locale: null,
      };
      if (!this.triage.may(actor, "VIEW_STATUS", c)) continue;
      if (!Object.values(this.permissions(actor, c)).some(Boolean)) continue;
      if (!ids.includes(p.teamsUserId)) ids.push(p.teamsUserId);
      if (ids.length === MAX_REFRESH_USERS) break;
    }
    return ids;
  }
}
