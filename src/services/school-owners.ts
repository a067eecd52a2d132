import { randomUUID } from "node:crypto";
import { startOfParisDay } from "../domain/retention.js";
import type { OutgoingMessage, Store } from "../store/index.js";
import { DirectorySchoolRepository } from "../store/directory-schools.js";
import { queueSends, sendOf } from "../store/sends.js";

/** Every school has an owner: someone who answers for its cases (an active référent décrochage or
 *  chef d'établissement) and a route for them (a coordinator or a channel for its bassin, or the
 *  académie's fallback channel). A report in a school without one still reaches someone, and the
 *  académie's admins hear every day which schools lack one. */

export const OWNERLESS_CHECK_JOB = "ownerless-schools";
const LEASE_MS = 10 * 60_000;
/** Schools named in the daily message (the count is whole; npm run directory:check lists all). */
export const OWNERLESS_MESSAGE_MAX = 30;

/** Who a report in a school without a référent or chef d'établissement reaches instead. */
export type OwnerlessRoute = {
  /** The bassin's active coordinators (their personal chats are told when they have one). */
  coordinators: number;
  /** The académie's active admins. */
  admins: number;
  /** Sends beside the usual routing (the MLDS channel, or the fallback channel). */
  extraSends: (caseId: string) => OutgoingMessage[];
};

export class SchoolOwnerService {
  private readonly repo: DirectorySchoolRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
    private readonly owner: string = randomUUID(),
  ) {
    this.repo = new DirectorySchoolRepository(store.db.kysely);
  }

  /** Null when the school has an active référent or chef d'établissement: the usual routing. Else
   *  the case goes to the bassin's MLDS from the start (so that its coordinators may see and triage
   *  it), their personal chats get its card, and the admins are told (reference and school only). */
  async routeWithoutOwner(school: { id: string; name: string; districtId: string }): Promise<OwnerlessRoute | null> {
    if ((await this.repo.ledSchoolIds([school.id])).has(school.id)) return null;
    const [coordinators, admins] = await Promise.all([this.repo.activeMembers("COORDINATOR", school.districtId), this.repo.activeMembers("ADMIN")]);
    const chatsOf = async (members: { aadObjectId: string | null }[]) =>
      (await Promise.all(members.map((m) => this.store.conversations.personalChatOf(m.aadObjectId)))).flatMap((c) => (c ? [c.conversationId] : []));
    const [coordinatorChats, adminChats] = await Promise.all([chatsOf(coordinators), chatsOf(admins)]);
    return {
      coordinators: coordinators.length,
      admins: admins.length,
      extraSends: (caseId) => [
        ...coordinatorChats.map((conversationId) => ({
          conversationId,
          kind: "post" as const,
          render: { view: "caseCard" as const, caseId },
          dedupeKey: `case-card:${caseId}:${conversationId}`,
        })),
        ...adminChats.map((conversationId) => ({
          conversationId,
          kind: "post" as const,
          render: { view: "ownerlessReport" as const, caseId, schoolName: school.name, coordinators: coordinators.length },
          dedupeKey: `ownerless-report:${caseId}:${conversationId}`,
        })),
      ],
    };
  }

  /** Once a day across instances: the list of open schools without an owner, to each admin's
   *  personal chat (nothing when there are none). Returns how many messages were queued, or null
   *  when another run already did today's. */
  async runDaily(): Promise<number | null> {
    const now = this.clock();
    if (!(await this.store.jobRuns.claim(OWNERLESS_CHECK_JOB, { now, notRunSince: startOfParisDay(now), leaseMs: LEASE_MS, owner: this.owner }))) return null;
    try {
      const queued = await this.postList(now);
      await this.store.jobRuns.finish(OWNERLESS_CHECK_JOB, this.owner, now);
      return queued;
    } catch (err) {
      await this.store.jobRuns.release(OWNERLESS_CHECK_JOB, this.owner).catch(() => {});
      throw err;
    }
  }

  private async postList(now: Date): Promise<number> {
    const schools = await this.repo.ownerless(null);
    if (schools.length === 0) return 0;
    const admins = await this.repo.activeMembers("ADMIN");
    const chats = (await Promise.all(admins.map((m) => this.store.conversations.personalChatOf(m.aadObjectId)))).flatMap((c) => (c ? [c.conversationId] : []));
    const day = startOfParisDay(now).toISOString().slice(0, 10);
    const render = {
      view: "ownerlessSchools" as const,
      count: schools.length,
      schools: schools
        .slice(0, OWNERLESS_MESSAGE_MAX)
        .map((s) => ({ uai: s.uai, name: s.name, districtCode: s.districtCode, districtName: s.districtName, noLead: s.noLead, noRoute: s.noRoute })),
    };
    return queueSends(
      this.store.db.kysely,
      chats.map((conversationId) => sendOf({ conversationId, kind: "post", render, dedupeKey: `ownerless-schools:${day}:${conversationId}` })),
    );
  }
}
