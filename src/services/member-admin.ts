import { parseAttachment, type PersonErrorCode } from "../domain/directory/people.js";
import { mayManageMembership, type Membership } from "../domain/permissions.js";
import { ROLE_ATTACHMENT, type Role } from "../domain/roles.js";
import { normalizeText } from "../domain/text.js";
import { VersionConflictError, type Store, type OutgoingMessage } from "../store/index.js";
import type { DirectoryMember } from "../store/members.js";
import type { MemberEventInput } from "../store/member-events.js";
import type { Actor } from "./members.js";

/**
 * Administration of people by the académie's admins (everyone) and chefs d'établissement (the
 * school roles of their schools): find a person, change their role or place, deactivate them
 * (never while they hold open cases: those are handed over first), hand all their cases over to
 * another member in one action. Every change is audited in MemberEvent; every case handed over
 * gets its ASSIGNED event through the one writer of case changes.
 */

export const MEMBER_ADMIN_LIMITS = { results: 20, queryMax: 80 } as const;

export type NewPlace = { role: Role; schoolIds?: string[]; districtId?: string | null; departmentCode?: string | null };

export type AdminFailure = "FORBIDDEN" | "NOT_FOUND" | "INACTIVE" | "INVALID_PLACE";

export type ChangeOutcome = { ok: true; member: DirectoryMember } | { ok: false; reason: AdminFailure };

export type DeactivateOutcome = { ok: true } | { ok: false; reason: AdminFailure } | { ok: false; reason: "HOLDS_CASES"; openCases: number };

export type HandOverOutcome =
  | { ok: true; references: string[]; skipped: string[]; to: DirectoryMember }
  | { ok: false; reason: AdminFailure | "SAME_PERSON" | "TARGET_CANNOT_HOLD" | "NOTHING_TO_HAND_OVER" };

/** The memberships a member holds: one per school for school roles, else their one place. */
export function membershipsOf(m: Pick<DirectoryMember, "role" | "schoolIds" | "districtId" | "departmentCode">): Membership[] {
  if (ROLE_ATTACHMENT[m.role] === "SCHOOL")
    return m.schoolIds.length > 0 ? m.schoolIds.map((schoolId) => ({ role: m.role, schoolId })) : [{ role: m.role, schoolId: null }];
  return [{ role: m.role, districtId: m.districtId, departmentCode: m.departmentCode }];
}

export class MemberAdminService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Whether the actor may manage this member (every one of their memberships). */
  mayManage(actor: Actor, m: DirectoryMember): boolean {
    return membershipsOf(m).every((ms) => mayManageMembership(actor, ms, "MANAGE_MEMBERS"));
  }

  /** People by name or e-mail within the actor's reach. */
  async find(actor: Actor, query: string): Promise<{ ok: true; people: DirectoryMember[] } | { ok: false; reason: "FORBIDDEN" }> {
    if (actor.role !== "ADMIN" && actor.role !== "HEAD") return { ok: false, reason: "FORBIDDEN" };
    // Accent- and case-blind: « lefevre » finds « Lefèvre » (the store folds the names alike).
    const words = normalizeText(query.slice(0, MEMBER_ADMIN_LIMITS.queryMax))
      .split(/\s+/)
      .filter((w) => w !== "");
    const found = await this.store.members.directory({
      words,
      ...(actor.role === "ADMIN" ? {} : { schoolIds: actor.schoolIds }),
      limit: 4 * MEMBER_ADMIN_LIMITS.results,
    });
    return { ok: true, people: found.filter((m) => this.mayManage(actor, m)).slice(0, MEMBER_ADMIN_LIMITS.results) };
  }

  private async managed(actor: Actor, memberId: string): Promise<DirectoryMember | { error: AdminFailure }> {
    const m = await this.store.members.directoryMember(memberId);
    if (!m) return { error: "NOT_FOUND" };
    if (!this.mayManage(actor, m)) return { error: "FORBIDDEN" };
    return m;
  }

  /** One person as the administration shows them, when within the actor's reach. */
  async get(actor: Actor, memberId: string): Promise<{ ok: true; member: DirectoryMember } | { ok: false; reason: AdminFailure }> {
    const m = await this.managed(actor, memberId);
    return "error" in m ? { ok: false, reason: m.error } : { ok: true, member: m };
  }

  /** Who could take over a member's cases: the référents of their schools and the coordinators of
   *  their bassin(s), active, the member aside. */
  async successors(actor: Actor, memberId: string): Promise<DirectoryMember[]> {
    const m = await this.managed(actor, memberId);
    if ("error" in m) return [];
    const districtIds = new Set<string>(m.districtId ? [m.districtId] : []);
    const found = new Map<string, string>();
    for (const schoolId of m.schoolIds) {
      const school = await this.store.enrolments.school(schoolId);
      if (school) districtIds.add(school.districtId);
      for (const r of await this.store.members.referentsOf(schoolId)) found.set(r.id, r.displayName);
    }
    for (const d of districtIds) for (const c of await this.store.members.coordinatorsOf(d)) found.set(c.id, c.displayName);
    found.delete(memberId);
    const people = await Promise.all([...found.keys()].map((id) => this.store.members.directoryMember(id)));
    return people.filter((p): p is DirectoryMember => p !== null && p.active).sort((a, b) => a.displayName.localeCompare(b.displayName, "fr"));
  }

  /** A new role and/or place: both the old and the new membership must be within the actor's reach. */
  async change(actor: Actor, memberId: string, to: NewPlace): Promise<ChangeOutcome> {
    const m = await this.managed(actor, memberId);
    if ("error" in m) return { ok: false, reason: m.error };
    if (!m.active) return { ok: false, reason: "INACTIVE" };
    const place = { role: to.role, schoolIds: [...new Set(to.schoolIds ?? [])], districtId: null as string | null, departmentCode: null as string | null };
    switch (ROLE_ATTACHMENT[to.role]) {
      case "SCHOOL":
        if (place.schoolIds.length === 0) return { ok: false, reason: "INVALID_PLACE" };
        for (const id of place.schoolIds) if (!(await this.store.enrolments.school(id))) return { ok: false, reason: "INVALID_PLACE" };
        break;
      case "DISTRICT":
        if (!to.districtId) return { ok: false, reason: "INVALID_PLACE" };
        place.schoolIds = [];
        place.districtId = to.districtId;
        break;
      case "DEPARTMENT":
        if (!to.departmentCode) return { ok: false, reason: "INVALID_PLACE" };
        place.schoolIds = [];
        place.departmentCode = to.departmentCode;
        break;
      case "ACADEMY":
        place.schoolIds = [];
    }
    const next = { ...m, ...place };
    if (!this.mayManage(actor, next)) return { ok: false, reason: "FORBIDDEN" };
    const events: MemberEventInput[] = [];
    if (m.role !== to.role) events.push({ memberId, actorId: actor.memberId, kind: "ROLE_CHANGED", detail: { from: m.role, to: to.role } });
    const placeOf = (x: typeof m) => JSON.stringify([[...x.schoolIds].sort(), x.districtId, x.departmentCode]);
    if (placeOf(m) !== placeOf(next))
      events.push({
        memberId,
        actorId: actor.memberId,
        kind: "PLACE_CHANGED",
        detail: {
          from: { schoolIds: m.schoolIds, districtId: m.districtId, departmentCode: m.departmentCode },
          to: { schoolIds: place.schoolIds, districtId: place.districtId, departmentCode: place.departmentCode },
        },
      });
    if (events.length > 0) await this.store.members.changeMembership(memberId, place, events, this.clock());
    return { ok: true, member: (await this.store.members.directoryMember(memberId))! };
  }

  /** A new role and a place written as the staff list writes it (« 0690001B 0690002C », « NORD »,
   *  « 069 », nothing for the académie); an empty place keeps the current one when the level is the same. */
  async moveTo(
    actor: Actor,
    memberId: string,
    to: { role: Role; place: string },
  ): Promise<ChangeOutcome | { ok: false; reason: "BAD_PLACE"; code: PersonErrorCode; value?: string }> {
    const current = await this.managed(actor, memberId);
    if ("error" in current) return { ok: false, reason: current.error };
    const text = to.place.trim();
    if (text === "" && ROLE_ATTACHMENT[to.role] === ROLE_ATTACHMENT[current.role] && ROLE_ATTACHMENT[to.role] !== "ACADEMY")
      return this.change(actor, memberId, {
        role: to.role,
        schoolIds: current.schoolIds,
        districtId: current.districtId,
        departmentCode: current.departmentCode,
      });
    const places = await this.store.directoryPeople.knownPlaces();
    const read = parseAttachment(
      to.role,
      text,
      { uais: new Set(places.schools.keys()), bassins: places.bassins, departmentCodes: places.departmentCodes },
      places.academyCodes,
    );
    if (!read.ok) return { ok: false, reason: "BAD_PLACE", code: read.code, ...(read.value !== undefined ? { value: read.value } : {}) };
    const a = read.attachment;
    switch (a.kind) {
      case "SCHOOL":
        return this.change(actor, memberId, { role: to.role, schoolIds: a.uais.map((u) => places.schools.get(u)!) });
      case "DISTRICT":
        return this.change(actor, memberId, { role: to.role, districtId: places.bassins.find((b) => b.code === a.bassinCode)!.id });
      case "DEPARTMENT":
        return this.change(actor, memberId, { role: to.role, departmentCode: a.departmentCode });
      case "ACADEMY":
        return this.change(actor, memberId, { role: to.role });
    }
  }

  /** A bassin's code, to show a coordinator's place as the staff list writes it. */
  async districtCode(districtId: string): Promise<string | null> {
    const places = await this.store.directoryPeople.knownPlaces();
    return places.bassins.find((b) => b.id === districtId)?.code ?? null;
  }

  /** Keeps their history; refused while they hold open cases (hand them over first). */
  async deactivate(actor: Actor, memberId: string): Promise<DeactivateOutcome> {
    const m = await this.managed(actor, memberId);
    if ("error" in m) return { ok: false, reason: m.error };
    if (!m.active) return { ok: false, reason: "INACTIVE" };
    if (m.openCases > 0) return { ok: false, reason: "HOLDS_CASES", openCases: m.openCases };
    if (await this.store.members.deactivate(memberId, actor.memberId, this.clock())) return { ok: true };
    const again = await this.store.members.directoryMember(memberId);
    return again && again.openCases > 0 ? { ok: false, reason: "HOLDS_CASES", openCases: again.openCases } : { ok: false, reason: "INACTIVE" };
  }

  /**
   * Every open case `fromId` holds goes to `toId`, case by case through the one writer of case
   * changes (each its ASSIGNED event; its posted cards updated in place); the new holder is told
   * once in their personal chat; CASES_HANDED_OVER audits it. A case the new holder cannot hold
   * (another school or bassin) is left and listed in `skipped`.
   */
  async handOver(actor: Actor, fromId: string, toId: string): Promise<HandOverOutcome> {
    if (fromId === toId) return { ok: false, reason: "SAME_PERSON" };
    const from = await this.managed(actor, fromId);
    if ("error" in from) return { ok: false, reason: from.error };
    const to = await this.store.members.directoryMember(toId);
    if (!to) return { ok: false, reason: "NOT_FOUND" };
    if (!to.active) return { ok: false, reason: "INACTIVE" };
    if (to.role !== "REFERENT" && to.role !== "COORDINATOR") return { ok: false, reason: "TARGET_CANNOT_HOLD" };
    const caseIds = await this.store.members.openCaseIdsOf(fromId);
    if (caseIds.length === 0) return { ok: false, reason: "NOTHING_TO_HAND_OVER" };
    const references: string[] = [];
    const skipped: string[] = [];
    for (const caseId of caseIds) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const c = await this.store.caseChanges.get({ id: caseId });
        if (!c || c.assignee?.id !== fromId || c.status === "CLOSED") break;
        const eligible = (await this.store.members.assigneesOf(c.districtId, c.school.id)).some((m) => m.id === toId);
        if (!eligible) {
          skipped.push(c.reference);
          break;
        }
        const messages: OutgoingMessage[] = (await this.store.caseChanges.channelPosts(c.id)).map((p) => ({
          conversationId: p.conversationId,
          kind: "update",
          render: { view: "caseCard", caseId: c.id },
        }));
        try {
          await this.store.caseChanges.apply(
            c.id,
            c.version,
            { assigneeId: toId },
            { type: "ASSIGNED", actorId: actor.memberId, data: { assigneeId: toId, from: fromId, handover: true } },
            messages,
          );
          references.push(c.reference);
          break;
        } catch (err) {
          if (!(err instanceof VersionConflictError)) throw err;
        }
      }
    }
    const now = this.clock();
    await this.store.members.recordEvents(
      [{ memberId: fromId, actorId: actor.memberId, kind: "CASES_HANDED_OVER", detail: { to: toId, count: references.length, references, skipped } }],
      now,
    );
    const chat = references.length > 0 ? await this.store.conversations.personalChatOf(to.aadObjectId) : null;
    if (chat) {
      await this.store.outbox.enqueue({
        conversationId: chat.conversationId,
        kind: "post",
        payload: { render: { view: "casesHandedOver", fromName: from.displayName, references } },
        dedupeKey: `handover:${fromId}:${toId}:${references[0]}:${references.length}:${now.getTime()}`,
      });
    }
    return { ok: true, references, skipped, to };
  }
}
