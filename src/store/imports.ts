import { randomUUID } from "node:crypto";
import { ageAtReport } from "../domain/routing.js";
import { sql, type Insertable } from "kysely";
import { z } from "zod";
import { importRowSchema, type ImportRow } from "../domain/import-columns.js";
import { signalFamily } from "../domain/signals.js";
import type { DB, Db } from "./kysely.js";
import type { OutgoingMessage } from "./outgoing-message.js";
import { nextReferences } from "./cases.js";
import { caseEventsInsert, type NewCaseEvent } from "./case-events.js";
import { queueSends, sendOf } from "./sends.js";

/** Rentrée campaign imports: the batch (keyed by the file's SHA-256, so that the same file is
 *  recognised), the rows waiting between preview and confirmation, the bulk creation of pupils,
 *  cases, their first report and event, one transaction per chunk, and at the end one summary per
 *  recipient rather than one card per case. */

export type ImportBatchStatus = "PREVIEW" | "IMPORTING" | "IMPORTED" | "CANCELLED" | "EXPIRED" | "FAILED";

export type ImportBatchRecord = {
  id: string;
  fileHash: string;
  fileName: string;
  districtId: string | null;
  importedById: string | null;
  status: ImportBatchStatus;
  rowCount: number;
  createdCount: number;
  attachedCount: number;
  skippedCount: number;
  errorCount: number;
  sourceLabel: string | null;
  createdAt: Date;
  updatedAt: Date;
  importedAt: Date | null;
};

/** A valid row with the school it names, as kept in the batch until it is imported. */
export type ImportTarget = ImportRow & { schoolId: string; districtId: string };

/** What a row finds in the database: an open case of the same young person, or at least the pupil. */
export type RowMatch =
  /** `samePerson`: an open case of another school (in the importer's scope) whose pupil has the
   *  same folded names and birth year but no birth date: maybe the same young person (« Même élève ? »,
   *  asked in `statut` of who sees both); the row still opens a case of its own. */
  | { kind: "new"; pupilId: string | null; samePerson?: SamePersonCandidate }
  | { kind: "attach"; caseId: string; reference: string; pupilId: string }
  /** An open case that an import of the same campaign already created: nothing to add. */
  | { kind: "already"; caseId: string; reference: string };

/** An open case that may be the same young person as an import row, with what permissions need. */
export type SamePersonCandidate = {
  caseId: string;
  reference: string;
  schoolId: string;
  districtId: string;
  assigneeId: string | null;
  escalatedToMlds: boolean;
  ageAtReport: number | null;
  mldsAccess: "IMMEDIATE" | "URGENT_OR_OUT_OF_SCHOOL" | "ON_REFERRAL_ONLY";
  urgency: number;
  outOfSchool: boolean;
};

/** Where an import row looks for the same young person in other schools: a bassin (a coordinator's
 *  import) or the whole académie (districtId null: an admin's, or the IT team's command line);
 *  null: in no other school. */
export type CrossSchoolScope = { districtId: string | null } | null;

export type ChunkResult = { created: number; attached: number; skipped: number; references: string[] };

/** Rows a batch imported that share a school and what routing looks at (the pupil's age, whether
 *  the case went to the MLDS); `attached` rows joined an open case. */
export type ImportedGroup = {
  schoolId: string;
  schoolName: string;
  districtId: string;
  districtName: string;
  birthYear: number;
  birthDate: Date | null;
  escalatedToMlds: boolean;
  attached: boolean;
  count: number;
};

const BATCH_COLUMNS = [
  "id",
  "fileHash",
  "fileName",
  "districtId",
  "importedById",
  "status",
  "rowCount",
  "createdCount",
  "attachedCount",
  "skippedCount",
  "errorCount",
  "sourceLabel",
  "createdAt",
  "updatedAt",
  "importedAt",
] as const;

const BATCH_STATUSES: readonly ImportBatchStatus[] = ["PREVIEW", "IMPORTING", "IMPORTED", "CANCELLED", "EXPIRED", "FAILED"];

/** A batch as read: its status is one of the statuses (a batch being written is not read). */
function batchOf<T extends { status: string }>(row: T | undefined): (Omit<T, "status"> & { status: ImportBatchStatus }) | null {
  if (!row) return null;
  const status = BATCH_STATUSES.find((s) => s === row.status);
  return status ? { ...row, status } : null;
}

type Candidate = {
  pupilId: string;
  ine: string | null;
  schoolId: string;
  districtId: string;
  nameKey: string;
  birthYear: number;
  /** YYYY-MM-DD, or null when only the birth year is known. */
  birthDay: string | null;
  caseId: string | null;
  reference: string | null;
  source: string | null;
  sourceLabel: string | null;
  assigneeId: string | null;
  escalatedToMlds: boolean | null;
  ageAtReport: number | null;
  urgency: number | null;
  outOfSchool: boolean | null;
  mldsAccess: SamePersonCandidate["mldsAccess"] | null;
};

/** Status of a batch whose preview rows are being written (followed by the writer's own mark). */
const PREPARING = "PREPARING:";
/** Rows appended to a preview per statement (about 250 bytes of JSON each). */
const PREVIEW_ROWS_PER_STATEMENT = 2_000;

export const submissionKeyOf = (batchId: string, line: number) => `import:${batchId}:${line}`;

export class ImportRepository {
  constructor(private readonly db: Db) {}

  async districtByCode(code: string): Promise<{ id: string; code: string; name: string } | null> {
    return (await this.db.selectFrom("District").select(["id", "code", "name"]).where("code", "=", code.trim().toUpperCase()).executeTakeFirst()) ?? null;
  }

  async districtName(id: string): Promise<string | null> {
    return (await this.db.selectFrom("District").select("name").where("id", "=", id).executeTakeFirst())?.name ?? null;
  }

  async schoolsByUai(uais: string[]): Promise<{ id: string; uai: string; districtId: string }[]> {
    if (uais.length === 0) return [];
    return this.db
      .selectFrom("School")
      .select(["id", "uai", "districtId"])
      .where("uai", "=", sql<string>`any(${[...new Set(uais)]}::text[])`)
      .execute();
  }

  async get(id: string): Promise<ImportBatchRecord | null> {
    return batchOf(await this.db.selectFrom("ImportBatch").select(BATCH_COLUMNS).where("id", "=", id).executeTakeFirst());
  }

  async findByHash(fileHash: string): Promise<ImportBatchRecord | null> {
    return batchOf(await this.db.selectFrom("ImportBatch").select(BATCH_COLUMNS).where("fileHash", "=", fileHash).executeTakeFirst());
  }

  /** Keeps the preview of a file (replacing an earlier preview, cancelled or expired one of the
   *  same file), with its valid rows. An imported file, or one being imported, is left alone: null.
   *
   *  No long transaction: a 20,000-row list is several megabytes of JSON. One statement takes the
   *  batch, marked as being prepared by this call alone; the rows follow by batches, each appended
   *  only while the mark is still this call's; a last statement makes it a preview. A preview of the
   *  same file started meanwhile takes the batch over, and this one then answers null (the file is
   *  being previewed). */
  async savePreview(p: {
    fileHash: string;
    fileName: string;
    districtId: string | null;
    importedById: string | null;
    rowCount: number;
    errorCount: number;
    sourceLabel: string;
    rows: ImportTarget[];
    /** The service's clock: a preview expires a day after it (see expirePreviews). */
    now: Date;
    /** An import that gave no news since (real time) stopped with its instance: it may be previewed again. */
    staleBefore: Date;
  }): Promise<ImportBatchRecord | null> {
    const mark = `${PREPARING}${randomUUID()}`;
    // An import cut short keeps its counters: the rows it already imported are recognised by their
    // report's key when it resumes.
    const keepCount = (column: "createdCount" | "attachedCount" | "skippedCount") =>
      sql<number>`CASE WHEN "ImportBatch"."status" IN ('FAILED', 'IMPORTING') THEN ${sql.ref(`ImportBatch.${column}`)} ELSE 0 END`;
    const taken = await this.db
      .insertInto("ImportBatch")
      .values({
        id: randomUUID(),
        fileHash: p.fileHash,
        fileName: p.fileName,
        districtId: p.districtId,
        importedById: p.importedById,
        rowCount: p.rowCount,
        errorCount: p.errorCount,
        sourceLabel: p.sourceLabel,
        rows: sql`'[]'::jsonb`,
        status: mark,
        createdAt: p.now,
        updatedAt: p.now,
      })
      .onConflict((oc) =>
        oc
          .column("fileHash")
          .doUpdateSet((eb) => ({
            fileName: eb.ref("excluded.fileName"),
            districtId: eb.ref("excluded.districtId"),
            importedById: eb.ref("excluded.importedById"),
            rowCount: eb.ref("excluded.rowCount"),
            errorCount: eb.ref("excluded.errorCount"),
            sourceLabel: eb.ref("excluded.sourceLabel"),
            rows: sql`'[]'::jsonb`,
            status: eb.ref("excluded.status"),
            updatedAt: eb.ref("excluded.updatedAt"),
            createdCount: keepCount("createdCount"),
            attachedCount: keepCount("attachedCount"),
            skippedCount: keepCount("skippedCount"),
          }))
          .where((eb) =>
            eb.and([
              eb("ImportBatch.status", "<>", "IMPORTED"),
              eb.not(eb.and([eb("ImportBatch.status", "=", "IMPORTING"), eb("ImportBatch.updatedAt", ">=", p.staleBefore)])),
            ]),
          ),
      )
      .returning("id")
      .executeTakeFirst();
    const id = taken?.id;
    if (!id) return null;
    for (let start = 0; start < p.rows.length; start += PREVIEW_ROWS_PER_STATEMENT) {
      const chunk = JSON.stringify(p.rows.slice(start, start + PREVIEW_ROWS_PER_STATEMENT));
      const appended = await this.db
        .updateTable("ImportBatch")
        .set({ rows: sql`"rows" || ${chunk}::jsonb` })
        .where("id", "=", id)
        .where("status", "=", mark)
        .executeTakeFirst();
      if (appended.numUpdatedRows !== 1n) return null;
    }
    const ready = await this.db.updateTable("ImportBatch").set({ status: "PREVIEW" }).where("id", "=", id).where("status", "=", mark).executeTakeFirst();
    return ready.numUpdatedRows === 1n ? this.get(id) : null;
  }

  /** The rows kept with a batch, checked again (they come back from a JSON column). */
  async rowsOf(id: string): Promise<ImportTarget[]> {
    const b = await this.db.selectFrom("ImportBatch").select("rows").where("id", "=", id).executeTakeFirst();
    const rows: unknown[] = Array.isArray(b?.rows) ? b.rows : [];
    return rows.map((r) => importTargetSchema.parse(r));
  }

  /** How many rows wait in a batch (0 once imported, cancelled or expired). */
  async waitingRows(id: string): Promise<number> {
    const r = await this.db
      .selectFrom("ImportBatch")
      .select(sql<number | null>`jsonb_array_length("rows")`.as("n"))
      .where("id", "=", id)
      .executeTakeFirst();
    return r?.n ?? 0;
  }

  /** Takes the batch for importing: from PREVIEW or FAILED, or from IMPORTING when the instance that
   *  had it stopped giving news before `staleBefore` (real time: each chunk committed refreshes
   *  updatedAt). Null when someone else holds it or it is over. */
  async claim(id: string, staleBefore: Date): Promise<ImportBatchRecord | null> {
    const taken = await this.db
      .updateTable("ImportBatch")
      .set({ status: "IMPORTING", updatedAt: sql<Date>`now()` })
      .where("id", "=", id)
      .where((eb) => eb.or([eb("status", "in", ["PREVIEW", "FAILED"]), eb.and([eb("status", "=", "IMPORTING"), eb("updatedAt", "<", staleBefore)])]))
      .executeTakeFirst();
    return taken.numUpdatedRows === 1n ? this.get(id) : null;
  }

  /** Marks the batch imported and queues its summaries in the same transaction: an import that
   *  stops before this point is resumed and sends them then, and one that got past it never sends
   *  them again (each has a dedupe key as well). */
  async finish(id: string, now: Date, summaries: OutgoingMessage[] = []): Promise<ImportBatchRecord> {
    return this.db.transaction().execute(async (trx) => {
      const batch = batchOf(
        await trx
          .updateTable("ImportBatch")
          .set({ status: "IMPORTED", importedAt: now, rows: null })
          .where("id", "=", id)
          .returning(BATCH_COLUMNS)
          .executeTakeFirst(),
      );
      if (!batch) throw new Error(`import batch ${id} not found`);
      await queueSends(
        trx,
        summaries.map((m) => sendOf(m)),
      );
      return batch;
    });
  }

  /** What a batch imported (over all its runs, an import resumed after a stop included), grouped
   *  for routing: found through the reports' keys (one per line, indexed), with the case as it is
   *  now (its school, the pupil's birth date the list may have completed). */
  async importedGroups(batchId: string, lines: number[]): Promise<ImportedGroup[]> {
    if (lines.length === 0) return [];
    const keys = lines.map((line) => submissionKeyOf(batchId, line));
    return this.db
      .selectFrom("Report as r")
      .innerJoin("Case as c", "c.id", "r.caseId")
      .innerJoin("Pupil as p", "p.id", "c.pupilId")
      .innerJoin("School as s", "s.id", "c.schoolId")
      .innerJoin("District as d", "d.id", "c.districtId")
      .innerJoin("CaseEvent as e", (join) =>
        join
          .onRef("e.caseId", "=", "c.id")
          .on("e.type", "in", [sql.lit("IMPORTED"), sql.lit("IMPORT_ADDED")])
          .on(sql<boolean>`e."data"->>'reportId' = r."id"`),
      )
      .select(["c.schoolId", "s.name as schoolName", "c.districtId", "d.name as districtName", "p.birthYear", "p.birthDate", "c.escalatedToMlds"])
      .select([sql<boolean>`(e."type" = 'IMPORT_ADDED')`.as("attached"), sql<number>`count(*)::int`.as("count")])
      .where("r.submissionKey", "=", sql<string>`any(${keys}::text[])`)
      .where("c.anonymizedAt", "is", null)
      .groupBy(["c.schoolId", "s.name", "c.districtId", "d.name", "p.birthYear", "p.birthDate", "c.escalatedToMlds", "e.type"])
      .execute();
  }

  async fail(id: string): Promise<void> {
    await this.db.updateTable("ImportBatch").set({ status: "FAILED" }).where("id", "=", id).where("status", "=", "IMPORTING").execute();
  }

  /** Drops a preview and its rows. False when it is no longer a preview. */
  async cancel(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable("ImportBatch")
      .set({ status: "CANCELLED", rows: null })
      .where("id", "=", id)
      .where("status", "in", ["PREVIEW", "FAILED"])
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** Previews nobody confirmed in time lose their rows (names and birth dates are not kept for nothing). */
  async expirePreviews(before: Date): Promise<number> {
    // A preview whose writing stopped half-way (its instance stopped) goes the same way.
    const r = await this.db
      .updateTable("ImportBatch")
      .set({ status: "EXPIRED", rows: null })
      .where((eb) => eb.or([eb("status", "=", "PREVIEW"), eb("status", "like", `${PREPARING}%`)]))
      .where("updatedAt", "<", before)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** For each row, what the database already knows of that young person: an open case (found by
   *  INE anywhere in the académie, else by school, names and birth year, else in another school of
   *  `cross` by names and full birth date), or the pupil; and, for a row that opens a case, an open
   *  case of another school of `cross` that may be the same young person (no birth date there). */
  async matchRows(rows: ImportTarget[], sourceLabel: string, cross: CrossSchoolScope, db: Db = this.db): Promise<RowMatch[]> {
    const candidates = await this.candidates(db, rows, cross);
    return rows.map((row) => matchRow(row, candidates, sourceLabel, cross));
  }

  /** The pupils an import's rows may be: by INE, by school, names and birth year (index on Pupil
   *  (schoolId, nameKey, birthYear)), and by names and birth year in the schools of `cross` (index on
   *  Pupil (nameKey)); each with its newest open case. */
  private async candidates(db: Db, rows: ImportTarget[], cross: CrossSchoolScope): Promise<Candidate[]> {
    if (rows.length === 0) return [];
    const ines = [...new Set(rows.flatMap((r) => (r.ine ? [r.ine] : [])))];
    const keys = [...new Map(rows.map((r) => [`${r.nameKey}\u0000${r.birthYear}`, r])).values()];
    return db
      .selectFrom("Pupil as p")
      .innerJoin("School as ps", "ps.id", "p.schoolId")
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom("Case as oc")
            .innerJoin("District as od", "od.id", "oc.districtId")
            .select([
              "oc.id",
              "oc.reference",
              "oc.source",
              "oc.sourceLabel",
              "oc.assigneeId",
              "oc.escalatedToMlds",
              "oc.ageAtReport",
              "oc.urgency",
              "oc.outOfSchool",
              "od.mldsAccess",
            ])
            .whereRef("oc.pupilId", "=", "p.id")
            .where("oc.status", "<>", sql.lit("CLOSED"))
            .where("oc.anonymizedAt", "is", null)
            .orderBy("oc.createdAt", "desc")
            .limit(1)
            .as("c"),
        (join) => join.onTrue(),
      )
      .select([
        "p.id as pupilId",
        "p.ine",
        "p.schoolId",
        "ps.districtId",
        "p.nameKey",
        "p.birthYear",
        sql<string | null>`to_char(p."birthDate", 'YYYY-MM-DD')`.as("birthDay"),
        "c.id as caseId",
        "c.reference",
        "c.source",
        "c.sourceLabel",
        "c.assigneeId",
        "c.escalatedToMlds",
        "c.ageAtReport",
        "c.urgency",
        "c.outOfSchool",
        "c.mldsAccess",
      ])
      .where("p.anonymizedAt", "is", null)
      .where((eb) =>
        eb.or([
          eb("p.ine", "=", sql<string>`any(${ines}::text[])`),
          sql<boolean>`(p."schoolId", p."nameKey", p."birthYear") IN (SELECT * FROM unnest(${rows.map((r) => r.schoolId)}::text[], ${rows.map((r) => r.nameKey)}::text[], ${rows.map((r) => r.birthYear)}::int[]))`,
          cross === null
            ? sql<boolean>`FALSE`
            : eb.and([
                sql<boolean>`(p."nameKey", p."birthYear") IN (SELECT * FROM unnest(${keys.map((r) => r.nameKey)}::text[], ${keys.map((r) => r.birthYear)}::int[]))`,
                cross.districtId === null ? sql<boolean>`TRUE` : eb("ps.districtId", "=", cross.districtId),
              ]),
        ]),
      )
      .execute();
  }

  /** One transaction: the chunk's new cases (pupil reused or created, reference, first report with
   *  the motif as a signal, IMPORTED event), the reports joining open cases, and the batch's
   *  counters (which also tell that the import is alive). No send per case: the recipients hear of
   *  the whole import once it is finished (see finish). Rows already imported by an interrupted run
   *  of the same batch are recognised by their report's key and skipped. */
  async importChunk(
    batch: { id: string; sourceLabel: string; importedById: string | null; cross?: CrossSchoolScope },
    rows: ImportTarget[],
    opts: { year: number; urgency: number; now: Date },
  ): Promise<ChunkResult> {
    return this.db.transaction().execute(async (trx) => {
      const keys = rows.map((r) => submissionKeyOf(batch.id, r.line));
      const done = new Set(
        (
          await trx
            .selectFrom("Report")
            .select("submissionKey")
            .where("submissionKey", "=", sql<string>`any(${keys}::text[])`)
            .execute()
        ).map((r) => r.submissionKey),
      );
      const todo = rows.filter((r) => !done.has(submissionKeyOf(batch.id, r.line)));
      const matches = await this.matchRows(todo, batch.sourceLabel, batch.cross ?? null, trx);

      const pupils: Insertable<DB["Pupil"]>[] = [];
      const cases: Insertable<DB["Case"]>[] = [];
      const reports: Insertable<DB["Report"]>[] = [];
      const signals: Insertable<DB["ReportSignal"]>[] = [];
      const events: NewCaseEvent[] = [];
      const fillPupils: { id: string; ine: string | null; birthDate: string; className: string | null }[] = [];
      const attachedCaseIds: string[] = [];
      const contacts = new Map<string, { pupilId: string; phone: string | null; email: string | null }>();
      let skipped = 0;

      const fresh = todo.filter((_, i) => matches[i]!.kind === "new");
      const references = await nextReferences(trx, opts.year, fresh.length);
      let next = 0;

      todo.forEach((row, i) => {
        const match = matches[i]!;
        if (match.kind === "already") {
          skipped++;
          return;
        }
        const reportId = randomUUID();
        const family = signalFamily(row.signal);
        let caseId: string;
        if (match.kind === "attach") {
          caseId = match.caseId;
          if (row.phone || row.email) contacts.set(match.pupilId, { pupilId: match.pupilId, phone: row.phone, email: row.email });
          attachedCaseIds.push(caseId);
          fillPupils.push({ id: match.pupilId, ine: row.ine, birthDate: row.birthDate, className: row.lastTraining });
        } else {
          let pupilId = match.pupilId;
          if (pupilId) {
            fillPupils.push({ id: pupilId, ine: row.ine, birthDate: row.birthDate, className: row.lastTraining });
          } else {
            pupilId = randomUUID();
            pupils.push({
              id: pupilId,
              schoolId: row.schoolId,
              lastName: row.lastName,
              firstName: row.firstName,
              nameKey: row.nameKey,
              birthYear: row.birthYear,
              birthDate: row.birthDate,
              className: row.lastTraining,
              ine: row.ine,
            });
          }
          if (row.phone || row.email) contacts.set(pupilId, { pupilId, phone: row.phone, email: row.email });
          caseId = randomUUID();
          cases.push({
            id: caseId,
            reference: references[next++]!,
            pupilId,
            schoolId: row.schoolId,
            districtId: row.districtId,
            urgency: opts.urgency,
            // The age on the import's day, kept with the case as a report's is (domain: routing.ageAtReport).
            ageAtReport: ageAtReport(row.birthYear, new Date(`${row.birthDate}T00:00:00Z`), opts.now),
            source: "IMPORT",
            sourceLabel: batch.sourceLabel,
            reporterId: null,
            updatedAt: opts.now,
          });
        }
        reports.push({
          id: reportId,
          caseId,
          reporterId: null,
          submissionKey: submissionKeyOf(batch.id, row.line),
          stepsTaken: [],
          urgency: opts.urgency,
          observations: row.exitDate ? `Date de sortie : ${frenchDate(row.exitDate)}` : null,
        });
        signals.push({ id: randomUUID(), reportId, code: row.signal, family, note: row.motif });
        events.push({
          caseId,
          actorId: batch.importedById,
          at: opts.now,
          type: match.kind === "attach" ? "IMPORT_ADDED" : "IMPORTED",
          data: { reportId, batchId: batch.id, line: row.line, source: batch.sourceLabel, families: [family], urgency: opts.urgency },
        });
      });

      if (pupils.length) await trx.insertInto("Pupil").values(pupils).execute();
      if (fillPupils.length) await fillPupilDetails(trx, fillPupils);
      if (contacts.size) await keepContacts(trx, [...contacts.values()], opts.now);
      if (cases.length) await trx.insertInto("Case").values(cases).execute();
      if (attachedCaseIds.length) {
        // A report may raise the urgency of the case it joins, never lower it (as reports do).
        await trx
          .updateTable("Case")
          .set((eb) => ({ urgency: opts.urgency, version: eb("version", "+", 1) }))
          .where("id", "=", sql<string>`any(${attachedCaseIds}::text[])`)
          .where("urgency", "<", opts.urgency)
          .execute();
      }
      if (reports.length) await trx.insertInto("Report").values(reports).execute();
      if (signals.length) await trx.insertInto("ReportSignal").values(signals).execute();
      if (events.length) await caseEventsInsert(trx, events).execute();
      const result = { created: cases.length, attached: attachedCaseIds.length, skipped, references };
      await trx
        .updateTable("ImportBatch")
        .set((eb) => ({
          createdCount: eb("createdCount", "+", result.created),
          attachedCount: eb("attachedCount", "+", result.attached),
          skippedCount: eb("skippedCount", "+", skipped),
          updatedAt: sql<Date>`now()`,
        }))
        .where("id", "=", batch.id)
        .execute();
      return result;
    });
  }
}

/** A row kept with a batch: a valid import row with the school it names. */
const importTargetSchema = importRowSchema.and(z.object({ schoolId: z.string(), districtId: z.string() }));

function matchRow(row: ImportTarget, candidates: Candidate[], sourceLabel: string, cross: CrossSchoolScope): RowMatch {
  const byIne = row.ine ? candidates.filter((c) => c.ine === row.ine) : [];
  // The same names and birth year at the same school, unless the pupil known there has another INE.
  const byKey = candidates.filter(
    (c) =>
      c.schoolId === row.schoolId && c.nameKey === row.nameKey && c.birthYear === row.birthYear && (c.ine === null || row.ine === null || c.ine === row.ine),
  );
  // In another school of the importer's scope: the same young person when the full birth date is the same too (as sameYoungPerson says).
  const elsewhere = candidates.filter(
    (c) =>
      cross !== null &&
      (cross.districtId === null || c.districtId === cross.districtId) &&
      c.schoolId !== row.schoolId &&
      c.nameKey === row.nameKey &&
      c.birthYear === row.birthYear &&
      c.caseId !== null &&
      (c.ine === null || row.ine === null || c.ine === row.ine),
  );
  const open = byIne.find((c) => c.caseId) ?? byKey.find((c) => c.caseId) ?? elsewhere.find((c) => c.birthDay === row.birthDate);
  if (open?.caseId && open.reference) {
    if (open.source === "IMPORT" && open.sourceLabel === sourceLabel) return { kind: "already", caseId: open.caseId, reference: open.reference };
    return { kind: "attach", caseId: open.caseId, reference: open.reference, pupilId: open.pupilId };
  }
  // A pupil record is reused only at the same school (a case's pupil belongs to its school).
  const pupil = byIne.find((c) => c.schoolId === row.schoolId) ?? byKey[0];
  // Maybe the same young person: no birth date on the other side, and not two INEs (equal INEs
  // matched above; different ones are two people).
  const maybe = elsewhere.find((c) => c.birthDay === null && (c.ine === null || row.ine === null));
  const samePerson: SamePersonCandidate | undefined =
    maybe?.caseId && maybe.reference
      ? {
          caseId: maybe.caseId,
          reference: maybe.reference,
          schoolId: maybe.schoolId,
          districtId: maybe.districtId,
          assigneeId: maybe.assigneeId,
          escalatedToMlds: maybe.escalatedToMlds ?? false,
          ageAtReport: maybe.ageAtReport,
          mldsAccess: maybe.mldsAccess ?? "URGENT_OR_OUT_OF_SCHOOL",
          urgency: maybe.urgency ?? 1,
          outOfSchool: maybe.outOfSchool ?? false,
        }
      : undefined;
  return { kind: "new", pupilId: pupil?.pupilId ?? null, ...(samePerson ? { samePerson } : {}) };
}

/** The official list completes what a report left out (INE, birth date); the last training it
 *  names becomes the class shown on cards. */
async function fillPupilDetails(trx: Db, rows: { id: string; ine: string | null; birthDate: string; className: string | null }[]): Promise<void> {
  const given = sql<{
    id: string;
    ine: string | null;
    birthDate: string;
    className: string | null;
  }>`(SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.ine)}::text[],
      ${rows.map((r) => r.birthDate)}::text[], ${rows.map((r) => r.className)}::text[]) AS g("id", "ine", "birthDate", "className"))`;
  await trx
    .updateTable("Pupil as p")
    .from(given.as("u"))
    .set((eb) => ({
      ine: eb.fn.coalesce("p.ine", "u.ine"),
      birthDate: eb.fn.coalesce("p.birthDate", sql<Date>`u."birthDate"::date`),
      className: eb.fn.coalesce("u.className", "p.className"),
    }))
    .whereRef("p.id", "=", "u.id")
    .execute();
}

/** The phone and e-mail a list gives: the newest list's values win, a missing one keeps the old. */
async function keepContacts(trx: Db, rows: { pupilId: string; phone: string | null; email: string | null }[], now: Date): Promise<void> {
  await trx
    .insertInto("PupilContact")
    .values(rows.map((r) => ({ ...r, updatedAt: now })))
    .onConflict((oc) =>
      oc.column("pupilId").doUpdateSet((eb) => ({
        phone: eb.fn.coalesce("excluded.phone", "PupilContact.phone"),
        email: eb.fn.coalesce("excluded.email", "PupilContact.email"),
        updatedAt: eb.ref("excluded.updatedAt"),
      })),
    )
    .execute();
}

function frenchDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-");
  return `${d}/${m}/${y}`;
}
