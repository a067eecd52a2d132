import { z } from "zod";
import type { Store, MemberRecord } from "../store/index.js";

const addressSchema = z.email();

export type Actor = {
  memberId: string;
  displayName: string;
  role: MemberRecord["role"];
  schoolIds: string[];
  districtId: string | null;
  /** DSDEN members: their département ("069"), the scope of their statistics. */
  departmentCode: string | null;
  locale: string | null;
  /** See domain/permissions Actor: false only when known to hold no case. */
  holdsCases?: boolean;
};

/** Who is talking to the bot, from the Teams identity alone (tenant + AAD object id).
 *  Nothing sent inside an activity or a card is trusted for this. */
export class MemberService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Someone unknown writes to the bot: `addresses` are their UPN and e-mail as Teams gives them for
   * that conversation. A listed person (active, not yet bound) with one of them is bound to this
   * Teams identity once (audited BOUND) and goes on as that member; anyone else stays unknown.
   */
  async bindAtFirstContact(
    tenantId: string | undefined,
    aadObjectId: string | undefined,
    addresses: readonly (string | null | undefined)[],
  ): Promise<Actor | null> {
    if (!tenantId || !aadObjectId) return null;
    const emails = [
      ...new Set(
        addresses
          .map((a) => (typeof a === "string" ? a.trim().toLowerCase() : ""))
          .filter((a) => a.length > 3 && a.length <= 254 && addressSchema.safeParse(a).success),
      ),
    ];
    const m = await this.store.members.bindByEmail(tenantId, aadObjectId, emails, this.clock());
    return m ? actorOf(m) : null;
  }

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
  const actor: Actor = {
    memberId: m.id,
    displayName: m.displayName,
    role: m.role,
    schoolIds: m.schoolIds,
    districtId: m.districtId,
    departmentCode: m.departmentCode,
    locale: m.locale,
  };
  if (m.holdsCases !== undefined) actor.holdsCases = m.holdsCases;
  return actor;
}
