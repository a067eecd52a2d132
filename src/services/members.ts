import type { Store, MemberRecord } from "../store/index.js";

export type Actor = {
  memberId: string;
  displayName: string;
  role: MemberRecord["role"];
  schoolIds: string[];
  districtId: string | null;
  /** A DSDEN member's département ("069"); null or absent otherwise. */
  departmentCode?: string | null;
  locale: string | null;
  /** See domain/permissions Actor: false only when known to hold no case. */
  holdsCases?: boolean;
};

/** Who is talking to the bot, from the Teams identity alone (tenant + AAD object id).
 *  Nothing sent inside an activity or a card is trusted for this. */
export class MemberService {
  constructor(private readonly store: Store) {}

  async byId(memberId: string) {
    return this.store.members.byId(memberId);
  }

  async identify(tenantId: string | undefined, aadObjectId: string | undefined): Promise<Actor | null> {
    if (!tenantId || !aadObjectId) return null;
    const m = await this.store.members.findByAad(tenantId, aadObjectId);
    return m ? actorOf(m) : null;
  }
}

export function actorOf(m: MemberRecord): Actor {
  const actor: Actor = { memberId: m.id, displayName: m.displayName, role: m.role, schoolIds: m.schoolIds, districtId: m.districtId, locale: m.locale };
  if (m.holdsCases !== undefined) actor.holdsCases = m.holdsCases;
  return actor;
}
