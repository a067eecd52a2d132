import { z } from "zod";
import { roleOfFunction } from "../domain/directory/functions.js";
import { mayManageMembership } from "../domain/permissions.js";
import { ROLE_ATTACHMENT, type Role } from "../domain/roles.js";
import { normalizeText } from "../domain/text.js";
import type { Store, OutgoingMessage } from "../store/index.js";
import type { EnrolmentRecord, SchoolChoice } from "../store/enrolments.js";
import type { Actor } from "./members.js";

/**
 * Self-enrolment: someone unknown picks their school (among the open ones, by name, UAI or
 * commune) and their function; the school's chefs d'établissement and référents (the académie's
 * admins for bassin, département and académie roles) get a card to approve or refuse; the person
 * is told. Until approved they are no member: every case query treats them as unknown.
 */

/** Who asks, from the Teams identity only (plus what Teams says of their address). */
export type Applicant = { tenantId: string; aadObjectId: string; displayName: string; email: string | null; locale: string | null };

export const ENROLMENT_LIMITS = { queryMin: 2, queryMax: 80, functionMax: 200, results: 10 } as const;

export const enrolmentRequestSchema = z.object({
  function: z.string().trim().min(1).max(ENROLMENT_LIMITS.functionMax),
  schoolId: z.string().min(1).max(64).optional(),
  bassinCode: z.string().trim().min(1).max(50).optional(),
  departmentCode: z
    .string()
    .trim()
    .regex(/^(\d{3}|02[AB]|97\d)$/)
    .optional(),
});
export type EnrolmentRequest = z.infer<typeof enrolmentRequestSchema>;

export type EnrolOutcome =
  | { ok: true; enrolment: EnrolmentRecord; approversTold: number }
  | { ok: false; reason: "ALREADY_MEMBER" | "UNKNOWN_FUNCTION" | "UNKNOWN_SCHOOL" | "SCHOOL_CLOSED" | "UNKNOWN_BASSIN" | "PLACE_REQUIRED" }
  | { ok: false; reason: "ALREADY_PENDING"; enrolment: EnrolmentRecord };

export type DecideOutcome =
  | { ok: true; enrolment: EnrolmentRecord }
  | { ok: false; reason: "NOT_FOUND" | "FORBIDDEN" }
  | { ok: false; reason: "ALREADY_DECIDED"; enrolment: EnrolmentRecord };

export class EnrolmentService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Open schools matching every word of the query in their name, UAI or commune. */
  async searchSchools(query: string): Promise<SchoolChoice[]> {
    const words = normalizeText(query.slice(0, ENROLMENT_LIMITS.queryMax))
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== "");
    if (words.join("").length < ENROLMENT_LIMITS.queryMin) return [];
    const schools = await this.store.enrolments.openSchools();
    return schools
      .filter((s) => {
        const text = normalizeText(`${s.name} ${s.uai} ${s.city ?? ""}`);
        return words.every((w) => text.includes(w));
      })
      .slice(0, ENROLMENT_LIMITS.results);
  }

  /** A school by id (its name and UAI, to show). */
  school(id: string) {
    return this.store.enrolments.school(id);
  }

  /** The role a function stands for (the functions table), or null. */
  roleOf(fn: string): Role | null {
    return roleOfFunction(fn);
  }

  async pendingOf(tenantId: string, aadObjectId: string): Promise<EnrolmentRecord | null> {
    return this.store.enrolments.pendingOf(tenantId, aadObjectId);
  }

  /** Stores the request and sends each approver a card in their personal chat. */
  async enrol(applicant: Applicant, request: EnrolmentRequest): Promise<EnrolOutcome> {
    if (await this.store.members.findByAad(applicant.tenantId, applicant.aadObjectId)) return { ok: false, reason: "ALREADY_MEMBER" };
    const pending = await this.store.enrolments.pendingOf(applicant.tenantId, applicant.aadObjectId);
    if (pending) return { ok: false, reason: "ALREADY_PENDING", enrolment: pending };
    const role = roleOfFunction(request.function);
    if (role === null) return { ok: false, reason: "UNKNOWN_FUNCTION" };
    let schoolId: string | null = null;
    let districtId: string | null = null;
    let departmentCode: string | null = null;
    switch (ROLE_ATTACHMENT[role]) {
      case "SCHOOL": {
        if (!request.schoolId) return { ok: false, reason: "PLACE_REQUIRED" };
        const school = await this.store.enrolments.school(request.schoolId);
        if (!school) return { ok: false, reason: "UNKNOWN_SCHOOL" };
        if (school.state !== "OPEN") return { ok: false, reason: "SCHOOL_CLOSED" };
        schoolId = school.id;
        break;
      }
      case "DISTRICT": {
        if (!request.bassinCode) return { ok: false, reason: "PLACE_REQUIRED" };
        const d = await this.store.enrolments.districtByCode(request.bassinCode);
        if (!d) return { ok: false, reason: "UNKNOWN_BASSIN" };
        districtId = d.id;
        break;
      }
      case "DEPARTMENT":
        if (!request.departmentCode) return { ok: false, reason: "PLACE_REQUIRED" };
        departmentCode = request.departmentCode;
        break;
      case "ACADEMY":
        break;
    }
    const approvers = await this.store.enrolments.approvers(schoolId);
    const chats = (await Promise.all(approvers.map(async (a) => ({ a, chat: await this.store.conversations.personalChatOf(a.aadObjectId) })))).filter(
      (x) => x.chat !== null,
    );
    const email = applicant.email?.trim().toLowerCase() || null;
    const id = await this.store.enrolments.create(
      {
        ...applicant,
        email: email && z.email().safeParse(email).success ? email : null,
        function: request.function.trim(),
        role,
        schoolId,
        districtId,
        departmentCode,
      },
      (enrolmentId) =>
        chats.map(({ a, chat }): OutgoingMessage => ({
          conversationId: chat!.conversationId,
          kind: "post",
          render: { view: "enrolmentRequest", enrolmentId },
          dedupeKey: `enrolment:${enrolmentId}:ask:${a.id}`,
        })),
    );
    return { ok: true, enrolment: (await this.store.enrolments.get(id))!, approversTold: chats.length };
  }

  /** The person takes back their request. */
  async withdraw(tenantId: string, aadObjectId: string): Promise<boolean> {
    const pending = await this.store.enrolments.pendingOf(tenantId, aadObjectId);
    return pending ? this.store.enrolments.withdraw(pending.id) : false;
  }

  /** Whether the actor may decide this request. */
  mayDecide(actor: Actor, e: EnrolmentRecord): boolean {
    return mayManageMembership(actor, { role: e.role, schoolId: e.schoolId, districtId: e.districtId, departmentCode: e.departmentCode }, "APPROVE_ENROLMENT");
  }

  async get(actor: Actor, enrolmentId: string): Promise<DecideOutcome> {
    const e = await this.store.enrolments.get(enrolmentId);
    if (!e) return { ok: false, reason: "NOT_FOUND" };
    if (!this.mayDecide(actor, e)) return { ok: false, reason: "FORBIDDEN" };
    return { ok: true, enrolment: e };
  }

  /** For the outbox: the request as it is now, whoever renders it. */
  systemView(enrolmentId: string): Promise<EnrolmentRecord | null> {
    return this.store.enrolments.get(enrolmentId);
  }

  /** Approves (the member is created or bound, ENROLLED) or refuses; the person is told. */
  async decide(actor: Actor, enrolmentId: string, decision: "APPROVED" | "REFUSED"): Promise<DecideOutcome> {
    const e = await this.store.enrolments.get(enrolmentId);
    if (!e) return { ok: false, reason: "NOT_FOUND" };
    if (!this.mayDecide(actor, e)) return { ok: false, reason: "FORBIDDEN" };
    if (e.status !== "PENDING") return { ok: false, reason: "ALREADY_DECIDED", enrolment: e };
    const chat = await this.store.conversations.personalChatOf(e.aadObjectId);
    const done = await this.store.enrolments.decide(enrolmentId, decision, actor.memberId, this.clock(), () =>
      chat
        ? [
            {
              conversationId: chat.conversationId,
              kind: "post",
              render: { view: "enrolmentDecision", enrolmentId },
              dedupeKey: `enrolment:${enrolmentId}:decision`,
            },
          ]
        : [],
    );
    const now = (await this.store.enrolments.get(enrolmentId))!;
    if (!done) return { ok: false, reason: "ALREADY_DECIDED", enrolment: now };
    return { ok: true, enrolment: now };
  }
}
