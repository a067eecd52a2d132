import { mldsMayAct, type CaseScope } from "../domain/permissions.js";
import { mayFollow } from "./followers.js";
import { cleanText } from "../domain/safe-text.js";
import type { CaseStatus } from "../domain/lifecycle.js";
import { VersionConflictError, type CaseChange, type CaseRecord, type CaseTransferRecord, type OutgoingMessage, type Store } from "../store/index.js";
import type { SchoolChoice } from "../store/enrolments.js";
import type { EnrolmentService } from "./enrolments.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";
import { TEXT_MAX, type TriageFailure, type TriageService } from "./triage.js";

export type TransferResult =
  | { ok: true; case: CaseRecord; followerKept: boolean }
  | { ok: false; reason: TriageFailure; case?: CaseRecord; field?: "transferReason" | "transferSchool" | "transferSameSchool" | "waitsForGpds" };

export type DestinationsResult = { ok: true; case: CaseRecord; schools: SchoolChoice[] } | { ok: false; reason: TriageFailure; case?: CaseRecord };

/**
 * Issue 26: a case follows a young person who changes school within the académie (3e to 2nde, a
 * lycée professionnel, a family moving house) instead of being closed « Déménagement » and opened
 * again elsewhere. Who follows it at its school (référent, chef d'établissement) or in its bassin
 * (a coordinator who may act on it) moves it to an open school of the académie, with a reason. The
 * case keeps its history, plan and reports; its follower stays only if they may act at the new
 * school (a coordinator of the same bassin), otherwise it waits « à prendre en charge » there. The
 * new school's GPDS (and, for 16+, its bassin's MLDS) get the card as for a new case; the cards at
 * the school it left become a read-only line naming no school; the reporters are told it went to
 * another school of the académie, named only to a reporter who belongs to that school.
 */
export class TransferService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly routing: RoutingService,
    private readonly enrolments: EnrolmentService,
    private readonly clock: () => Date,
  ) {}

  /** Whether the caller may transfer this case now (the card offers « Transférer »). */
  mayTransfer(actor: Actor, c: CaseRecord): boolean {
    return c.status !== "CLOSED" && !c.pupil.anonymized && this.triage.may(actor, "TRANSFER_CASE", c);
  }

  /** The open schools of the académie matching a typed text (name, UAI, commune), the case's own
   *  school left out, for who may transfer the case. */
  async destinations(actor: Actor, caseId: string, query: string): Promise<DestinationsResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    const refused = this.refusal(actor, c);
    if (refused) return refused;
    const schools = (await this.enrolments.searchSchools(query)).filter((s) => s.id !== c.school.id);
    return { ok: true, case: c, schools };
  }

  async transfer(actor: Actor, caseId: string, seenVersion: number, toSchoolId: string, typedReason: string): Promise<TransferResult> {
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return { ok: false, reason: "NOT_FOUND" };
    const refused = this.refusal(actor, c);
    if (refused) return refused;
    if (c.version !== seenVersion) return { ok: false, reason: "CONFLICT", case: c };
    if (c.status === "CLOSED" || c.pupil.anonymized) return { ok: false, reason: "INVALID_TRANSITION", case: c };
    const reason = cleanText(typedReason, { lines: true }).trim();
    if (!reason || reason.length > TEXT_MAX) return { ok: false, reason: "INVALID_INPUT", field: "transferReason", case: c };
    const to = await this.store.caseChanges.transferTarget(toSchoolId);
    // A closed (or closing, or not yet open) school takes no new case: the same as no school at all.
    if (!to || to.state !== "OPEN") return { ok: false, reason: "INVALID_INPUT", field: "transferSchool", case: c };
    if (to.id === c.school.id) return { ok: false, reason: "INVALID_INPUT", field: "transferSameSchool", case: c };

    const destination: CaseScope = {
      ...this.triage.scopeOf(c),
      schoolId: to.id,
      districtId: to.districtId,
      departmentCode: to.departmentCode,
      mldsAccess: to.mldsAccess,
    };
    // The follower stays when they may still act on the case where it goes (a coordinator of the
    // same bassin); anyone else loses it, and the new school's GPDS (or MLDS) takes it in charge.
    const followerKept = c.assignee !== null && (await mayFollow(this.store, c.assignee.id, destination));
    const status: CaseStatus = followerKept ? c.status : "NEW";
    const change: CaseChange = followerKept ? {} : { assigneeId: null, status };

    const now = this.clock();
    const recipients = await this.routing.recipientsFor({
      schoolId: to.id,
      districtId: to.districtId,
      ageAtReport: c.ageAtReport,
      escalatedToMlds: c.escalatedToMlds,
    });
    // Where the case's cards stay: where it goes, and the chat of a follower who keeps it.
    const follower = followerKept && c.assignee ? await this.store.members.byId(c.assignee.id) : null;
    const followerChat = follower ? await this.store.conversations.personalChatOf(follower.aadObjectId) : null;
    const stays = [...recipients, ...(followerChat ? [followerChat.conversationId] : [])];
    const posts = await this.store.caseChanges.channelPosts(c.id);
    const left = posts.filter((p) => !stays.includes(p.conversationId));
    const messages: OutgoingMessage[] = [];
    // The cards where the case was become a read-only line (no destination named there).
    for (const post of left) {
      messages.push({
        conversationId: post.conversationId,
        kind: "update",
        render: { view: "caseTransferred", caseId: c.id, at: now.toISOString() },
        activityId: post.activityId,
      });
    }
    // Where the case already was and still goes (the same bassin's MLDS channel, the chat of the
    // follower who keeps it): updated in place.
    for (const post of posts.filter((p) => stays.includes(p.conversationId))) {
      messages.push({ conversationId: post.conversationId, kind: "update", render: { view: "caseCard", caseId: c.id } });
    }
    // The new school's GPDS, and the MLDS for 16+, get the card as for a new case.
    for (const conversationId of recipients.filter((r) => !posts.some((p) => p.conversationId === r))) {
      messages.push({
        conversationId,
        kind: "post",
        render: { view: "caseCard", caseId: c.id },
        dedupeKey: `case-card:${c.id}:${conversationId}:transfer:${c.version}`,
      });
    }
    messages.push(...(await this.toReporters(c, to.id)));

    try {
      const updated = await this.store.caseChanges.transfer(
        c.id,
        seenVersion,
        { toSchoolId: to.id, toDistrictId: to.districtId, byId: actor.memberId, reason },
        change,
        {
          type: "TRANSFERRED",
          actorId: actor.memberId,
          data: {
            from: c.status,
            to: status,
            fromSchoolId: c.school.id,
            toSchoolId: to.id,
            fromDistrictId: c.districtId,
            toDistrictId: to.districtId,
            followerKept,
            reason,
          },
        },
        messages,
        stays,
      );
      return { ok: true, case: updated, followerKept };
    } catch (err) {
      if (err instanceof VersionConflictError) return { ok: false, reason: "CONFLICT", case: (await this.store.caseChanges.get({ id: c.id })) ?? c };
      throw err;
    }
  }

  /**
   * What someone of the school (or bassin) a case left may still know of it: that it was
   * transferred, and when, if they took part in it there (reported it, or acted on it before it
   * left). Null for anyone else, and for who may see the case where it is now.
   */
  pastTransferFor(actor: Actor, caseId: string, reporterIds: readonly string[]): Promise<CaseTransferRecord | null> {
    return pastTransferOf(this.store, actor, caseId, reporterIds);
  }

  private refusal(actor: Actor, c: CaseRecord): Extract<TransferResult, { ok: false }> | null {
    if (this.triage.may(actor, "TRANSFER_CASE", c)) return null;
    // A coordinator who sees a 16+ case before the GPDS decides is told why they may not act.
    if (actor.role === "COORDINATOR" && !mldsMayAct(this.triage.scopeOf(c)) && this.triage.may(actor, "VIEW_STATUS", c)) {
      return { ok: false, reason: "INVALID_INPUT", field: "waitsForGpds", case: c };
    }
    return { ok: false, reason: "FORBIDDEN" };
  }

  /** Each reporter is told in their personal chat; the school is named only to its own members. */
  private async toReporters(c: CaseRecord, toSchoolId: string): Promise<OutgoingMessage[]> {
    const out: OutgoingMessage[] = [];
    for (const reporterId of c.reporterIds) {
      const reporter = await this.store.members.directoryMember(reporterId);
      const chat = reporter?.aadObjectId ? await this.store.conversations.personalChatOf(reporter.aadObjectId) : null;
      if (!reporter || !chat) continue;
      out.push({
        conversationId: chat.conversationId,
        kind: "post",
        render: { view: "transferNotice", caseId: c.id, named: reporter.schoolIds.includes(toSchoolId) },
        dedupeKey: `notice:${c.id}:TRANSFERRED:${c.version}:${reporterId}`,
      });
    }
    return out;
  }
}

/** See TransferService.pastTransferFor (also read by the chat's « statut D-… »). */
export async function pastTransferOf(
  store: Store,
  actor: Pick<Actor, "memberId" | "schoolIds" | "districtId">,
  caseId: string,
  reporterIds: readonly string[],
): Promise<CaseTransferRecord | null> {
  const transfers = await store.caseChanges.transfers(caseId);
  for (const t of [...transfers].reverse()) {
    const wasThere = actor.schoolIds.includes(t.fromSchoolId) || (actor.districtId !== null && actor.districtId === t.fromDistrictId);
    if (!wasThere || actor.schoolIds.includes(t.toSchoolId)) continue;
    if (reporterIds.includes(actor.memberId) || (await store.caseChanges.actedBefore(caseId, actor.memberId, t.at))) return t;
  }
  return null;
}
