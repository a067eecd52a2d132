import { can, type MldsAccess } from "../domain/permissions.js";
import type { Store } from "../store/index.js";
import type { Actor } from "./members.js";

export type FailedSend = {
  id: string;
  kind: string;
  conversationKind: "CHANNEL" | "PERSONAL" | "GROUP_CHAT" | "UNKNOWN";
  reference: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
};

/** The académie's settings that admins change from Teams: where each district's cases are posted,
 *  and the sends that Teams refused for good. */
export class AdministrationService {
  constructor(private readonly store: Store) {}

  /** Whether the member may change the académie's settings (CONFIGURE_ACADEMY). */
  mayConfigure(actor: Actor): boolean {
    return this.isAdmin(actor);
  }

  private isAdmin(actor: Actor): boolean {
    return can({ memberId: actor.memberId, role: actor.role, schoolIds: actor.schoolIds, districtId: actor.districtId }, "CONFIGURE_ACADEMY", null);
  }

  async routeDistrictHere(actor: Actor, districtCode: string, channel: { teamId: string; channelId: string; name: string }) {
    if (!this.isAdmin(actor)) return { ok: false as const, reason: "FORBIDDEN" as const };
    const set = await this.store.routingChannels.setForDistrict(districtCode, channel);
    return set ? { ok: true as const, districtName: set.districtName } : { ok: false as const, reason: "UNKNOWN_DISTRICT" as const };
  }

  /** Whether a bassin's coordinators may act before the school's GPDS decides. */
  async setMldsAccess(actor: Actor, districtCode: string, access: MldsAccess) {
    if (!this.isAdmin(actor)) return { ok: false as const, reason: "FORBIDDEN" as const };
    const set = await this.store.routingChannels.setMldsAccess(districtCode, access);
    return set ? { ok: true as const, districtName: set.districtName } : { ok: false as const, reason: "UNKNOWN_DISTRICT" as const };
  }

  async routeFallbackHere(actor: Actor, channel: { teamId: string; channelId: string; name: string }) {
    if (!this.isAdmin(actor)) return { ok: false as const, reason: "FORBIDDEN" as const };
    await this.store.routingChannels.setFallback(channel);
    return { ok: true as const };
  }

  async failedSends(actor: Actor, limit = 20): Promise<{ ok: true; sends: FailedSend[] } | { ok: false; reason: "FORBIDDEN" }> {
    if (!this.isAdmin(actor)) return { ok: false, reason: "FORBIDDEN" };
    const rows = await this.store.outbox.failed(limit);
    const sends: FailedSend[] = [];
    for (const r of rows) {
      const conversation = await this.store.conversations.get(r.conversationId);
      const c = r.caseId ? await this.store.caseChanges.get({ id: r.caseId }) : null;
      sends.push({
        id: r.id,
        kind: r.kind,
        conversationKind: conversation?.kind ?? "UNKNOWN",
        reference: c?.reference ?? null,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: r.createdAt,
      });
    }
    return { ok: true, sends };
  }

  async requeue(actor: Actor, outboxId: string): Promise<"REQUEUED" | "NOT_FAILED" | "FORBIDDEN"> {
    if (!this.isAdmin(actor)) return "FORBIDDEN";
    return (await this.store.outbox.requeue(outboxId)) ? "REQUEUED" : "NOT_FAILED";
  }

  /** Every failed send back in the queue at once (after an outage of Teams longer than the outbox
   *  retries); each keeps its place before the later sends of its conversation. */
  async requeueAllFailed(actor: Actor): Promise<{ ok: true; requeued: number } | { ok: false; reason: "FORBIDDEN" }> {
    if (!this.isAdmin(actor)) return { ok: false, reason: "FORBIDDEN" };
    return { ok: true, requeued: await this.store.outbox.requeueAllFailed() };
  }
}
