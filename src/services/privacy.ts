import { scopeOf, type Operation } from "../domain/permissions.js";
import { initials } from "../domain/text.js";
import type { PupilExport, Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { PlanService } from "./plans.js";
import { DEFAULT_LINK_TTL_MS, DOWNLOAD_PREFIX, type SignedLinks } from "./signed-links.js";
import type { TriageService } from "./triage.js";

/** Requests of the data subject (RGPD art. 15 and 17), made by an académie admin: the export of
 *  everything held on one pupil, and its erasure. Both are checked against the permission table
 *  on every call and leave an event on each case of the pupil (who, when, which reference). */

export type PrivacyOperation = Extract<Operation, "EXPORT_PUPIL_DATA" | "ERASE_PUPIL_DATA">;
export type PrivacyFailure = "FORBIDDEN" | "NOT_FOUND" | "ALREADY_ERASED";

/** What the confirmation card shows: enough to recognise the pupil, no name. */
export type PupilSummary = {
  caseId: string;
  reference: string;
  references: string[];
  schoolName: string;
  className: string | null;
  initials: string;
  birthYear: number;
  anonymized: boolean;
};

export type DownloadResult = { ok: true; fileName: string; data: PupilExport } | { ok: false; reason: "INVALID" | "EXPIRED" | "FORBIDDEN" | "NOT_FOUND" };

/** Path of a pupil's export: names who asked for it, so that the download is checked (and
 *  audited) for that member. Ids are UUIDs: no personal data in the link. */
export const PUPIL_EXPORT_PATH = /^\/dl\/pupil-data\/([0-9a-f-]{36})\/([0-9a-f-]{36})\.json$/;
const pupilExportPath = (memberId: string, caseId: string) => `${DOWNLOAD_PREFIX}pupil-data/${memberId}/${caseId}.json`;

const forbidden = { ok: false as const, reason: "FORBIDDEN" as const };
const notFound = { ok: false as const, reason: "NOT_FOUND" as const };

export class PrivacyService {
  constructor(
    private readonly store: Store,
    private readonly triage: TriageService,
    private readonly plans: PlanService,
    private readonly links: SignedLinks,
    private readonly clock: () => Date,
  ) {}

  /** The pupil of the case `reference`, for the confirmation card. Roles that may never do `op`
   *  learn nothing, not even whether the reference exists. */
  async prepare(actor: Actor, reference: string, op: PrivacyOperation): Promise<{ ok: true; summary: PupilSummary } | { ok: false; reason: PrivacyFailure }> {
    if (scopeOf(actor.role, op) === null) return forbidden;
    const c = await this.store.caseChanges.get({ reference });
    if (!c) return notFound;
    if (!this.triage.may(actor, op, c)) return forbidden;
    const pupil = await this.store.privacy.pupilOfCase(c.id);
    if (!pupil) return notFound;
    return {
      ok: true,
      summary: {
        caseId: c.id,
        reference: c.reference,
        references: pupil.cases.map((x) => x.reference),
        schoolName: c.school.name,
        className: c.pupil.className,
        initials: pupil.anonymized ? "—" : initials(c.pupil.firstName, c.pupil.lastName),
        birthYear: c.pupil.birthYear,
        anonymized: pupil.anonymized,
      },
    };
  }

  /** A download link to the export, signed and valid one hour. The export itself is built, checked
   *  and audited when the link is used. */
  async exportLink(
    actor: Actor,
    caseId: string,
  ): Promise<{ ok: true; url: string; expiresAt: Date; reference: string } | { ok: false; reason: PrivacyFailure }> {
    if (scopeOf(actor.role, "EXPORT_PUPIL_DATA") === null) return forbidden;
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return notFound;
    if (!this.triage.may(actor, "EXPORT_PUPIL_DATA", c)) return forbidden;
    return {
      ok: true,
      url: this.links.url(pupilExportPath(actor.memberId, c.id)),
      expiresAt: new Date(this.clock().getTime() + DEFAULT_LINK_TTL_MS),
      reference: c.reference,
    };
  }

  /** Everything held on the pupil of a case; an EXPORTED event on each of the pupil's cases. */
  async exportData(
    actor: Actor,
    caseId: string,
  ): Promise<{ ok: true; fileName: string; data: PupilExport } | { ok: false; reason: "FORBIDDEN" | "NOT_FOUND" }> {
    if (scopeOf(actor.role, "EXPORT_PUPIL_DATA") === null) return forbidden;
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return notFound;
    if (!this.triage.may(actor, "EXPORT_PUPIL_DATA", c)) return forbidden;
    const pupil = await this.store.privacy.pupilOfCase(c.id);
    const now = this.clock();
    const data = pupil && (await this.store.privacy.exportPupil(pupil.pupilId, now));
    if (!pupil || !data) return notFound;
    await this.store.privacy.recordOnCases(
      pupil.cases.map((x) => x.id),
      { type: "EXPORTED", actorId: actor.memberId, data: { requestedFor: c.reference } },
    );
    return { ok: true, fileName: `repere-${c.reference}-${now.toISOString().slice(0, 10)}.json`, data };
  }

  /** Serves a signed export link: the member it names must still be allowed at this moment. */
  async download(path: string, exp: unknown, sig: unknown): Promise<DownloadResult> {
    const m = PUPIL_EXPORT_PATH.exec(path);
    if (!m) return { ok: false, reason: "INVALID" };
    const check = this.links.check(path, exp, sig);
    if (check !== "VALID") return { ok: false, reason: check };
    const member = await this.store.privacy.member(m[1]!);
    if (!member) return forbidden;
    return this.exportData(member, m[2]!);
  }

  /** Erasure: the pupil and all their cases anonymised at once (open cases are closed). */
  async erase(actor: Actor, caseId: string): Promise<{ ok: true; references: string[]; reference: string } | { ok: false; reason: PrivacyFailure }> {
    if (scopeOf(actor.role, "ERASE_PUPIL_DATA") === null) return forbidden;
    const c = await this.store.caseChanges.get({ id: caseId });
    if (!c) return notFound;
    if (!this.triage.may(actor, "ERASE_PUPIL_DATA", c)) return forbidden;
    const pupil = await this.store.privacy.pupilOfCase(c.id);
    if (!pupil) return notFound;
    if (pupil.anonymized && pupil.cases.every((x) => x.anonymizedAt !== null)) return { ok: false, reason: "ALREADY_ERASED" };
    const erased = await this.store.privacy.erasePupil(pupil.pupilId, { now: this.clock(), actorId: actor.memberId, reference: c.reference });
    return { ok: true, references: erased.references, reference: c.reference };
  }

  /** `historique D-2026-0042`: the chronology (with the audit events) for the people allowed to
   *  see it. A reference outside the caller's reach answers as if it did not exist. */
  async history(actor: Actor, reference: string) {
    const c = await this.store.caseChanges.get({ reference });
    if (!c) return notFound;
    const result = await this.plans.history(actor, c.id, { linked: true });
    return result.ok ? result : notFound;
  }
}
