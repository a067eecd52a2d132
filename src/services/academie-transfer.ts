import {
  academieNamed,
  academieOfSchool,
  CASE_PACKAGE_FORMAT,
  CASE_PACKAGE_LIMITS,
  CASE_PACKAGE_VERSION,
  historySummary,
  importedHistoryText,
  type Academie,
  type CasePackage,
  type PackageRefusal,
} from "../domain/case-package.js";
import { scopeOf } from "../domain/permissions.js";
import { readPackage, sealPackage } from "./case-package-digest.js";
import { ageAtReport } from "../domain/routing.js";
import { signalFamily } from "../domain/signals.js";
import { initials, nameKey } from "../domain/text.js";
import type { OutgoingMessage, Store } from "../store/index.js";
import type { Actor } from "./members.js";
import type { RoutingService } from "./routing.js";
import type { SchoolOwnerService } from "./school-owners.js";
import { DOWNLOAD_PREFIX, type SignedLinks } from "./signed-links.js";

/**
 * Issue 26, a young person who moves to ANOTHER académie: an académie admin exports the open case
 * (`exporter D-2026-0042 vers Grenoble`) as a versioned, digested JSON package
 * (domain/case-package.ts, docs/case-transfer-format.md) behind a signed link valid 24 hours and
 * usable once; the case closes « Déménagement » (MOVED_AWAY) so that retention applies as to any
 * closed case, and the package is deleted once downloaded or expired (cleanup). An admin of the
 * other académie sends the file to the bot: checked (format, version, digest, every field), shown
 * on a preview, and on confirmation opened as a new case of the chosen school with its reports,
 * routed as a new case (the school's GPDS, the bassin's MLDS for 16+), and an event naming where it
 * came from with the history it carried. A package imports once (its digest is kept).
 */

export const ACADEMIE_PACKAGE_PATH = /^\/dl\/pupil-data\/case-transfer\/([0-9a-f-]{36})\.json$/;
const packagePath = (id: string) => `${DOWNLOAD_PREFIX}pupil-data/case-transfer/${id}.json`;
const HOUR = 3_600_000;

export type ExportFailure = "FORBIDDEN" | "NOT_FOUND" | "CLOSED" | "UNKNOWN_ACADEMIE" | "SAME_ACADEMIE" | "CONFLICT";
export type ExportResult =
  { ok: true; url: string; expiresAt: Date; reference: string; academie: string; digest: string } | { ok: false; reason: ExportFailure; reference?: string };

export type PackageDownload = { ok: true; fileName: string; body: unknown } | { ok: false; reason: "INVALID" | "EXPIRED" | "FORBIDDEN" | "NOT_FOUND" };

export type PackagePreview = {
  packageId: string;
  digest: string;
  fromAcademie: string;
  toAcademie: string;
  fromReference: string;
  initials: string;
  birthYear: number;
  className: string;
  reports: number;
  planItems: number;
  historyItems: number;
  schools: { id: string; label: string }[];
  /** The school the package names (its UAI), when it is one of this académie's open schools. */
  suggestedSchoolId: string | null;
};

export type ReceiveResult =
  | { ok: true; preview: PackagePreview }
  | { ok: false; reason: "FORBIDDEN" | PackageRefusal; field?: string }
  | { ok: false; reason: "ALREADY_IMPORTED"; reference: string };

export type ConfirmResult =
  | { ok: true; reference: string; schoolName: string; fromAcademie: string }
  | { ok: false; reason: "FORBIDDEN" | "NOT_FOUND" | "EXPIRED" | "INVALID_SCHOOL" }
  | { ok: false; reason: "ALREADY_IMPORTED"; reference: string };

export class AcademieTransferService {
  constructor(
    private readonly store: Store,
    private readonly routing: RoutingService,
    private readonly owners: SchoolOwnerService,
    private readonly links: SignedLinks,
    private readonly clock: () => Date,
  ) {}

  mayExport(actor: Pick<Actor, "role">): boolean {
    return scopeOf(actor.role, "EXPORT_CASE_TO_ACADEMIE") !== null;
  }

  mayImport(actor: Pick<Actor, "role">): boolean {
    return scopeOf(actor.role, "IMPORT_CASE_FROM_ACADEMIE") !== null;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /** Builds the package of an open case, keeps it behind a signed link and closes the case. Roles
   *  that may not learn nothing, not even whether the reference exists. */
  async exportCase(actor: Actor, reference: string, academieText: string): Promise<ExportResult> {
    if (!this.mayExport(actor)) return { ok: false, reason: "FORBIDDEN" };
    const to = academieNamed(academieText);
    if (!to) return { ok: false, reason: "UNKNOWN_ACADEMIE" };
    const c = await this.store.caseChanges.get({ reference });
    if (!c) return { ok: false, reason: "NOT_FOUND", reference };
    const source = await this.store.academieTransfers.source(c.id);
    if (!source) return { ok: false, reason: "NOT_FOUND", reference };
    if (source.status === "CLOSED" || source.anonymized) return { ok: false, reason: "CLOSED", reference };
    const from: Academie = academieOfSchool(source.school) ?? { code: "00", name: "inconnue" };
    if (from.code === to.code) return { ok: false, reason: "SAME_ACADEMIE", reference };

    const now = this.clock();
    const pkg = sealPackage({
      format: CASE_PACKAGE_FORMAT,
      version: CASE_PACKAGE_VERSION,
      exportedAt: now.toISOString(),
      fromAcademie: from,
      toAcademie: to,
      case: {
        reference: source.reference,
        status: source.status,
        urgency: clampUrgency(source.urgency),
        openedAt: source.openedAt.toISOString(),
        escalatedToMlds: source.escalatedToMlds,
        outOfSchool: source.outOfSchool,
      },
      pupil: {
        lastName: source.pupil.lastName,
        firstName: source.pupil.firstName,
        birthYear: source.pupil.birthYear,
        birthDate: source.pupil.birthDate ? source.pupil.birthDate.toISOString().slice(0, 10) : null,
        ine: source.pupil.ine,
        className: source.pupil.className ?? "",
      },
      destinationUai: null,
      reports: source.reports.map((r) => ({
        at: r.at.toISOString(),
        urgency: clampUrgency(r.urgency),
        absenceHalfDays: r.absenceHalfDays,
        stepsTaken: r.stepsTaken as CasePackage["reports"][number]["stepsTaken"],
        observations: r.observations,
        outOfSchool: r.outOfSchool,
        signals: r.signals.map((s) => ({ code: s.code as CasePackage["reports"][number]["signals"][number]["code"], note: s.note })),
      })),
      plan: source.plan.map((a) => ({
        type: a.type,
        description: a.description,
        status: a.status,
        startDate: a.startDate ? a.startDate.toISOString().slice(0, 10) : null,
        endDate: a.endDate ? a.endDate.toISOString().slice(0, 10) : null,
      })),
      history: source.history.slice(-CASE_PACKAGE_LIMITS.history).map((h) => ({
        at: h.at.toISOString(),
        type: h.type,
        role: h.role,
        summary: historySummary(h.type, h.data),
      })),
    });
    // The cards of the case where it was posted are redrawn: closed.
    const sends: OutgoingMessage[] = (await this.store.caseChanges.channelPosts(c.id)).map((p) => ({
      conversationId: p.conversationId,
      kind: "update",
      render: { view: "caseCard", caseId: c.id },
    }));
    const expiresAt = new Date(now.getTime() + CASE_PACKAGE_LIMITS.linkHours * HOUR);
    const saved = await this.store.academieTransfers.export({
      caseId: c.id,
      seenVersion: source.version,
      memberId: actor.memberId,
      academie: to.name,
      digest: pkg.digest,
      body: pkg,
      expiresAt,
      outcome: "MOVED_AWAY",
      now,
      sends,
    });
    if (!saved) return { ok: false, reason: "CONFLICT", reference };
    return {
      ok: true,
      url: this.links.url(packagePath(saved.id), CASE_PACKAGE_LIMITS.linkHours * HOUR),
      expiresAt,
      reference: c.reference,
      academie: to.name,
      digest: pkg.digest,
    };
  }

  /** Serves a package link, once: signed, not expired, the admin who asked for it still one. */
  async download(path: string, exp: unknown, sig: unknown): Promise<PackageDownload> {
    const m = ACADEMIE_PACKAGE_PATH.exec(path);
    if (!m) return { ok: false, reason: "INVALID" };
    const check = this.links.check(path, exp, sig);
    if (check !== "VALID") return { ok: false, reason: check };
    const row = await this.store.academieTransfers.byId(m[1]!);
    if (!row || row.direction !== "OUT") return { ok: false, reason: "NOT_FOUND" };
    const member = await this.store.privacy.member(row.memberId);
    if (!member || !this.mayExport(member)) return { ok: false, reason: "FORBIDDEN" };
    const taken = await this.store.academieTransfers.takeForDownload(row.id, this.clock());
    if (!taken) return { ok: false, reason: row.expiresAt <= this.clock() ? "EXPIRED" : "NOT_FOUND" };
    const reference = (taken.body as { case?: { reference?: unknown } }).case?.reference;
    return { ok: true, fileName: `repere-transfert-${typeof reference === "string" ? reference : row.id}.json`, body: taken.body };
  }

  /** Deletes the packages past their time (sent or received and never imported). */
  cleanup(): Promise<number> {
    return this.store.academieTransfers.purgeExpired(this.clock());
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  /** A file received from another académie: checked, kept until it is confirmed, previewed. */
  async receive(actor: Actor, bytes: Uint8Array): Promise<ReceiveResult> {
    if (!this.mayImport(actor)) return { ok: false, reason: "FORBIDDEN" };
    const read = readPackage(bytes);
    if (!read.ok) return read;
    const pkg = read.package;
    const known = await this.store.academieTransfers.received(pkg.digest);
    if (known?.importedCaseId) return { ok: false, reason: "ALREADY_IMPORTED", reference: await this.referenceOf(known.importedCaseId) };
    const packageId = await this.store.academieTransfers.keepReceived({
      digest: pkg.digest,
      memberId: actor.memberId,
      academie: pkg.fromAcademie.name,
      body: pkg,
      expiresAt: new Date(this.clock().getTime() + CASE_PACKAGE_LIMITS.previewHours * HOUR),
    });
    const schools = await this.store.academieTransfers.openSchools();
    const suggested = pkg.destinationUai ? (schools.find((s) => s.uai === pkg.destinationUai) ?? null) : null;
    return {
      ok: true,
      preview: {
        packageId,
        digest: pkg.digest,
        fromAcademie: pkg.fromAcademie.name,
        toAcademie: pkg.toAcademie.name,
        fromReference: pkg.case.reference,
        initials: initials(pkg.pupil.firstName, pkg.pupil.lastName),
        birthYear: pkg.pupil.birthYear,
        className: pkg.pupil.className,
        reports: pkg.reports.length,
        planItems: pkg.plan.length,
        historyItems: pkg.history.length,
        schools: schools.map((s) => ({ id: s.id, label: `${s.name} (${s.uai})` })),
        suggestedSchoolId: suggested?.id ?? null,
      },
    };
  }

  /** « Créer le dossier »: the case opened in the chosen school, routed as a new case. */
  async confirm(actor: Actor, packageId: string, schoolId: string): Promise<ConfirmResult> {
    if (!this.mayImport(actor)) return { ok: false, reason: "FORBIDDEN" };
    const row = await this.store.academieTransfers.byId(packageId);
    if (!row || row.direction !== "IN") return { ok: false, reason: "NOT_FOUND" };
    if (row.importedCaseId) return { ok: false, reason: "ALREADY_IMPORTED", reference: await this.referenceOf(row.importedCaseId) };
    const now = this.clock();
    if (row.expiresAt <= now || row.body === null) return { ok: false, reason: "EXPIRED" };
    // Read again as it was received: what was kept is checked like the file.
    const read = readPackage(new TextEncoder().encode(JSON.stringify(row.body)));
    if (!read.ok) return { ok: false, reason: "NOT_FOUND" };
    const pkg = read.package;
    const [school] = await this.store.schools.byIds([schoolId]);
    if (!school || school.state !== "OPEN") return { ok: false, reason: "INVALID_SCHOOL" };

    const birthDate = pkg.pupil.birthDate ? new Date(`${pkg.pupil.birthDate}T00:00:00Z`) : null;
    const age = ageAtReport(pkg.pupil.birthYear, birthDate, now);
    // Nobody at the school to follow it: to the bassin's MLDS from the start, as a report would.
    const orphan = await this.owners.routeWithoutOwner(school);
    const usual = await this.routing.sendsFor({ schoolId: school.id, districtId: school.districtId, ageAtReport: age, escalatedToMlds: orphan !== null });
    const route = orphan ? (caseId: string) => [...usual(caseId), ...orphan.extraSends(caseId)] : usual;
    const key = (i: number) => `academie:${pkg.digest.slice(7, 47)}:${i}`;
    const pupil = {
      lastName: pkg.pupil.lastName,
      firstName: pkg.pupil.firstName,
      nameKey: nameKey(pkg.pupil.lastName, pkg.pupil.firstName),
      birthYear: pkg.pupil.birthYear,
      ...(birthDate ? { birthDate } : {}),
      className: pkg.pupil.className,
    };
    let caseId: string | null = null;
    let reference = "";
    for (const [i, r] of pkg.reports.entries()) {
      const recorded = await this.store.cases.recordReport(
        {
          submissionKey: key(i),
          reporterId: actor.memberId,
          schoolId: school.id,
          pupil,
          ageAtReport: age,
          ...(r.outOfSchool ? { outOfSchool: true } : {}),
          signals: r.signals.map((s) => ({ code: s.code, family: signalFamily(s.code), ...(s.note ? { note: s.note } : {}) })),
          ...(r.absenceHalfDays !== null ? { absenceHalfDays: r.absenceHalfDays } : {}),
          stepsTaken: [...r.stepsTaken],
          urgency: r.urgency,
          ...(r.observations ? { observations: r.observations } : {}),
          ...(caseId ? { attachToCaseId: caseId } : {}),
          ...(orphan && !caseId ? { escalatedToMlds: true } : {}),
          year: now.getFullYear(),
        },
        caseId ? () => [] : route,
      );
      caseId ??= recorded.caseId;
      reference ||= recorded.reference;
    }
    const claimed = await this.store.academieTransfers.markImported(
      row.id,
      caseId!,
      {
        actorId: actor.memberId,
        data: {
          academie: pkg.fromAcademie.name,
          fromReference: pkg.case.reference,
          digest: pkg.digest,
          reports: pkg.reports.length,
          planItems: pkg.plan.length,
          importedHistory: importedHistoryText(pkg),
        },
      },
      pkg.pupil.ine,
    );
    if (!claimed) return { ok: false, reason: "ALREADY_IMPORTED", reference };
    return { ok: true, reference, schoolName: school.name, fromAcademie: pkg.fromAcademie.name };
  }

  /** « Annuler » on the preview: the received package is deleted at once. */
  async cancel(actor: Actor, packageId: string): Promise<{ ok: true } | { ok: false; reason: "FORBIDDEN" | "NOT_FOUND" }> {
    if (!this.mayImport(actor)) return { ok: false, reason: "FORBIDDEN" };
    return (await this.store.academieTransfers.dropReceived(packageId)) ? { ok: true } : { ok: false, reason: "NOT_FOUND" };
  }

  private async referenceOf(caseId: string): Promise<string> {
    return (await this.store.caseChanges.get({ id: caseId }))?.reference ?? "—";
  }
}

function clampUrgency(u: number): 1 | 2 | 3 {
  return u >= 3 ? 3 : u <= 1 ? 1 : 2;
}
