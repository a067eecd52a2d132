import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { OPEN_STATUSES } from "../domain/lifecycle.js";
import type { Db } from "./kysely.js";
import { caseEventsInsert } from "./case-events.js";
import { SAME_PERSON_EVENTS } from "./pupil-links.js";
import { queueSends, sendOf } from "./sends.js";
import type { OutgoingMessage } from "./outgoing-message.js";

/** Cases carried to and from another académie (issue 26): what a package is built from, the
 *  packages kept until their link expires (OUT) or until they are imported (IN), and the closing of
 *  a case that left. services/academie-transfer.ts decides; this file only reads and writes. */

export type PackageSource = {
  id: string;
  reference: string;
  status: string;
  urgency: number;
  version: number;
  escalatedToMlds: boolean;
  outOfSchool: boolean;
  openedAt: Date;
  anonymized: boolean;
  school: { id: string; uai: string; academyCode: string | null; departmentCode: string | null };
  pupil: { lastName: string; firstName: string; birthYear: number; birthDate: Date | null; ine: string | null; className: string | null };
  reports: {
    at: Date;
    urgency: number;
    absenceHalfDays: number | null;
    stepsTaken: string[];
    observations: string | null;
    outOfSchool: boolean;
    signals: { code: string; note: string | null }[];
  }[];
  plan: { type: string; description: string; status: string; startDate: Date | null; endDate: Date | null }[];
  /** The history, with the role of who did each thing (never their name). */
  history: { at: Date; type: string; role: string | null; data: Record<string, unknown> }[];
};

export type TransferPackageRow = {
  id: string;
  direction: "OUT" | "IN";
  digest: string;
  caseId: string | null;
  memberId: string;
  academie: string;
  body: unknown;
  expiresAt: Date;
  downloadedAt: Date | null;
  importedCaseId: string | null;
};

const OPEN = OPEN_STATUSES.map((s) => sql.lit(s));
/** Events that only say someone looked, or that this académie holds another case of the young
 *  person (« Même élève ? »): not part of what the other académie needs. */
const AUDIT_ONLY = ["DETAILS_VIEWED", "HISTORY_VIEWED", "EXPORTED", ...Object.values(SAME_PERSON_EVENTS)];

export class AcademieTransferRepository {
  constructor(private readonly db: Db) {}

  /** Everything a package carries about one case, or null. */
  async source(caseId: string): Promise<PackageSource | null> {
    const c = await this.db
      .selectFrom("Case as c")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .innerJoin("School as s", "s.id", "c.schoolId")
      .select([
        "c.id",
        "c.reference",
        "c.status",
        "c.urgency",
        "c.version",
        "c.escalatedToMlds",
        "c.outOfSchool",
        "c.createdAt",
        "c.anonymizedAt",
        "s.id as schoolId",
        "s.uai",
        "s.academyCode",
        "s.departmentCode",
        "p.lastName",
        "p.firstName",
        "p.birthYear",
        "p.birthDate",
        "p.ine",
        "p.className",
      ])
      .where("c.id", "=", caseId)
      .executeTakeFirst();
    if (!c) return null;
    const [reports, signals, actions, events] = await Promise.all([
      this.db.selectFrom("Report").selectAll().where("caseId", "=", caseId).orderBy("createdAt").orderBy("id").execute(),
      this.db
        .selectFrom("ReportSignal as rs")
        .innerJoin("Report as r", "r.id", "rs.reportId")
        .select(["rs.reportId", "rs.code", "rs.note"])
        .where("r.caseId", "=", caseId)
        .orderBy("rs.id")
        .execute(),
      this.db
        .selectFrom("PlanAction as a")
        .innerJoin("Plan as pl", "pl.id", "a.planId")
        .select(["a.type", "a.description", "a.status", "a.startDate", "a.endDate"])
        .where("pl.caseId", "=", caseId)
        .orderBy("a.createdAt")
        .orderBy("a.id")
        .execute(),
      this.db
        .selectFrom("CaseEvent as e")
        .leftJoin("Member as m", "m.id", "e.actorId")
        .select(["e.at", "e.type", "e.data", "m.role"])
        .where("e.caseId", "=", caseId)
        .where("e.type", "not in", AUDIT_ONLY)
        .orderBy("e.id")
        .execute(),
    ]);
    return {
      id: c.id,
      reference: c.reference,
      status: c.status,
      urgency: c.urgency,
      version: c.version,
      escalatedToMlds: c.escalatedToMlds,
      outOfSchool: c.outOfSchool,
      openedAt: c.createdAt,
      anonymized: c.anonymizedAt !== null,
      school: { id: c.schoolId, uai: c.uai, academyCode: c.academyCode, departmentCode: c.departmentCode },
      pupil: { lastName: c.lastName, firstName: c.firstName, birthYear: c.birthYear, birthDate: c.birthDate, ine: c.ine, className: c.className },
      reports: reports.map((r) => ({
        at: r.createdAt,
        urgency: r.urgency,
        absenceHalfDays: r.absenceHalfDays,
        stepsTaken: r.stepsTaken,
        observations: r.observations,
        outOfSchool: r.outOfSchool,
        signals: signals.filter((s) => s.reportId === r.id).map((s) => ({ code: s.code, note: s.note })),
      })),
      plan: actions,
      history: events.map((e) => ({
        at: e.at,
        type: e.type,
        role: e.role ?? null,
        data: e.data && typeof e.data === "object" && !Array.isArray(e.data) ? (e.data as Record<string, unknown>) : {},
      })),
    };
  }

  /**
   * The case leaves for another académie, in one transaction: closed with `outcome` (if it is still
   * open and at the version seen), its SENT_TO_ACADEMIE and CLOSED events, the package kept until
   * `expiresAt`, and the sends (its cards redrawn closed). Null when the case changed meanwhile.
   */
  async export(p: {
    caseId: string;
    seenVersion: number;
    memberId: string;
    academie: string;
    digest: string;
    body: unknown;
    expiresAt: Date;
    outcome: "MOVED_AWAY";
    now: Date;
    sends: OutgoingMessage[];
  }): Promise<{ id: string } | null> {
    return this.db.transaction().execute(async (trx) => {
      const closed = await trx
        .updateTable("Case")
        .set((eb) => ({ status: "CLOSED", closedAt: p.now, closureProposedAt: null, version: eb("version", "+", 1), updatedAt: sql<Date>`now()` }))
        .where("id", "=", p.caseId)
        .where("version", "=", p.seenVersion)
        .where("status", "in", OPEN)
        .where("anonymizedAt", "is", null)
        .returning("id")
        .executeTakeFirst();
      if (!closed) return null;
      await trx
        .insertInto("Outcome")
        .values({ caseId: p.caseId, kind: p.outcome, comment: null, decidedById: p.memberId, decidedAt: p.now })
        .onConflict((oc) => oc.column("caseId").doUpdateSet({ kind: p.outcome, comment: null, decidedById: p.memberId, decidedAt: p.now }))
        .execute();
      const id = randomUUID();
      await caseEventsInsert(trx, [
        { caseId: p.caseId, actorId: p.memberId, type: "SENT_TO_ACADEMIE", data: { academie: p.academie, digest: p.digest, packageId: id }, at: p.now },
        { caseId: p.caseId, actorId: p.memberId, type: "CLOSED", data: { outcome: p.outcome, academie: p.academie }, at: p.now },
      ]).execute();
      await trx
        .insertInto("AcademieTransfer")
        .values({
          id,
          direction: "OUT",
          digest: p.digest,
          caseId: p.caseId,
          memberId: p.memberId,
          academie: p.academie,
          body: JSON.stringify(p.body),
          expiresAt: p.expiresAt,
        })
        .execute();
      await queueSends(
        trx,
        p.sends.map((m) => sendOf(m, p.caseId)),
      );
      return { id };
    });
  }

  async byId(id: string): Promise<TransferPackageRow | null> {
    const row = await this.db.selectFrom("AcademieTransfer").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? asRow(row) : null;
  }

  /**
   * The package behind a download link, taken once: its body is emptied as it is read (a second
   * download finds nothing), and a PACKAGE_DOWNLOADED event names who asked for the link. Null when
   * it was downloaded already, has expired or is unknown.
   */
  async takeForDownload(id: string, now: Date): Promise<{ body: unknown; caseId: string | null; memberId: string; academie: string } | null> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom("AcademieTransfer")
        .select(["body", "caseId", "memberId", "academie"])
        .where("id", "=", id)
        .where("direction", "=", "OUT")
        .where("body", "is not", null)
        .where("expiresAt", ">", now)
        .forUpdate()
        .executeTakeFirst();
      if (!before) return null;
      await trx.updateTable("AcademieTransfer").set({ body: null, downloadedAt: now }).where("id", "=", id).execute();
      if (before.caseId)
        await caseEventsInsert(trx, [
          { caseId: before.caseId, actorId: null, type: "PACKAGE_DOWNLOADED", data: { academie: before.academie, packageId: id }, at: now },
        ]).execute();
      return { body: before.body, caseId: before.caseId, memberId: before.memberId, academie: before.academie };
    });
  }

  /** The cleanup: packages sent whose link expired (downloaded or not), and received packages never
   *  imported, past their time. Returns how many rows went. */
  async purgeExpired(now: Date): Promise<number> {
    const deleted = await this.db
      .deleteFrom("AcademieTransfer")
      .where("expiresAt", "<=", now)
      .where((eb) => eb.or([eb("direction", "=", "OUT"), eb("importedCaseId", "is", null)]))
      .executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  /** A received package by its digest (imported, or waiting for its confirmation). */
  async received(digest: string): Promise<TransferPackageRow | null> {
    const row = await this.db.selectFrom("AcademieTransfer").selectAll().where("direction", "=", "IN").where("digest", "=", digest).executeTakeFirst();
    return row ? asRow(row) : null;
  }

  /** Keeps a received package until its confirmation (sent again: the same row, its time renewed). */
  async keepReceived(p: { digest: string; memberId: string; academie: string; body: unknown; expiresAt: Date }): Promise<string> {
    const row = await this.db
      .insertInto("AcademieTransfer")
      .values({
        id: randomUUID(),
        direction: "IN",
        digest: p.digest,
        memberId: p.memberId,
        academie: p.academie,
        body: JSON.stringify(p.body),
        expiresAt: p.expiresAt,
      })
      .onConflict((oc) =>
        oc
          .columns(["direction", "digest"])
          .doUpdateSet({ memberId: p.memberId, body: JSON.stringify(p.body), expiresAt: p.expiresAt })
          .where("AcademieTransfer.importedCaseId", "is", null),
      )
      .returning("id")
      .executeTakeFirst();
    if (row) return row.id;
    return (await this.received(p.digest))!.id;
  }

  /** The received package is now a case: its body emptied, its digest kept (a second import of the
   *  same package creates nothing), and the RECEIVED_FROM_ACADEMIE event. False when another
   *  confirmation was first. */
  async markImported(id: string, caseId: string, event: { actorId: string; data: Record<string, unknown> }, ine: string | null = null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("AcademieTransfer")
        .set({ importedCaseId: caseId, body: null, caseId })
        .where("id", "=", id)
        .where("direction", "=", "IN")
        .where("importedCaseId", "is", null)
        .returning("id")
        .executeTakeFirst();
      if (!claimed) return false;
      await caseEventsInsert(trx, [{ caseId, actorId: event.actorId, type: "RECEIVED_FROM_ACADEMIE", data: event.data }]).execute();
      // The national identifier the package carried completes a pupil who had none.
      if (ine)
        await trx
          .updateTable("Pupil")
          .set({ ine })
          .where("ine", "is", null)
          .where("id", "=", (eb) => eb.selectFrom("Case").select("pupilId").where("Case.id", "=", caseId))
          .execute();
      return true;
    });
  }

  /** A received package not imported, dropped (« Annuler »). */
  async dropReceived(id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom("AcademieTransfer")
      .where("id", "=", id)
      .where("direction", "=", "IN")
      .where("importedCaseId", "is", null)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The open schools of the académie, for the preview's choice (by name). */
  async openSchools(): Promise<{ id: string; uai: string; name: string; districtId: string }[]> {
    return this.db.selectFrom("School").select(["id", "uai", "name", "districtId"]).where("state", "=", "OPEN").orderBy("name").orderBy("uai").execute();
  }
}

function asRow(row: {
  id: string;
  direction: string;
  digest: string;
  caseId: string | null;
  memberId: string;
  academie: string;
  body: unknown;
  expiresAt: Date | string;
  downloadedAt: Date | string | null;
  importedCaseId: string | null;
}): TransferPackageRow {
  return {
    id: row.id,
    direction: row.direction === "IN" ? "IN" : "OUT",
    digest: row.digest,
    caseId: row.caseId,
    memberId: row.memberId,
    academie: row.academie,
    body: row.body,
    expiresAt: new Date(row.expiresAt),
    downloadedAt: row.downloadedAt === null ? null : new Date(row.downloadedAt),
    importedCaseId: row.importedCaseId,
  };
}
