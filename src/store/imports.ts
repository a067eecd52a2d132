import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import { Prisma } from "../generated/prisma/client.js";
import { importRowSchema, type ImportRow } from "../domain/import-columns.js";
import { formatReference } from "../domain/reference.js";
import { signalFamily } from "../domain/signals.js";
import { enqueueOutbox } from "./outbox.js";
import type { OutgoingMessage } from "./outgoing-message.js";

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
  | { kind: "new"; pupilId: string | null }
  | { kind: "attach"; caseId: string; reference: string; pupilId: string }
  /** An open case that an import of the same campaign already created: nothing to add. */
  | { kind: "already"; caseId: string; reference: string };

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

const BATCH_SELECT = {
  id: true, fileHash: true, fileName: true, districtId: true, importedById: true, status: true, rowCount: true, createdCount: true,
  attachedCount: true, skippedCount: true, errorCount: true, sourceLabel: true, createdAt: true, updatedAt: true, importedAt: true,
} as const;

type Db = PrismaClient | Prisma.TransactionClient;

type Candidate = {
  pupilId: string;
  ine: string | null;
  schoolId: string;
  nameKey: string;
  birthYear: number;
  caseId: string | null;
  reference: string | null;
  source: string | null;
  sourceLabel: string | null;
};

/** Status of a batch whose preview rows are being written (followed by the writer's own mark). */
const PREPARING = "PREPARING:";
/** Rows appended to a preview per statement (about 250 bytes of JSON each). */
const PREVIEW_ROWS_PER_STATEMENT = 2_000;

export const submissionKeyOf = (batchId: string, line: number) => `import:${batchId}:${line}`;

export class ImportRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async districtByCode(code: string): Promise<{ id: string; code: string; name: string } | null> {
    return this.prisma.district.findUnique({ where: { code: code.trim().toUpperCase() }, select: { id: true, code: true, name: true } });
  }

  async districtName(id: string): Promise<string | null> {
    return (await this.prisma.district.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
  }

  async schoolsByUai(uais: string[]): Promise<{ id: string; uai: string; districtId: string }[]> {
    if (uais.length === 0) return [];
    return this.prisma.school.findMany({ where: { uai: { in: [...new Set(uais)] } }, select: { id: true, uai: true, districtId: true } });
  }

  async get(id: string): Promise<ImportBatchRecord | null> {
    return (await this.prisma.importBatch.findUnique({ where: { id }, select: BATCH_SELECT })) as ImportBatchRecord | null;
  }

  async findByHash(fileHash: string): Promise<ImportBatchRecord | null> {
    return (await this.prisma.importBatch.findUnique({ where: { fileHash }, select: BATCH_SELECT })) as ImportBatchRecord | null;
  }

  /** Keeps the preview of a file (replacing an earlier preview, cancelled or expired one of the
   *  same file), with its valid rows. An imported file, or one being imported, is left alone: null.
   *
   *  No interactive transaction: a 20,000-row list is several megabytes of JSON, and Prisma's
   *  interactive transactions end after 5 s whatever the database is doing (P2028 on a busy
   *  machine). One statement takes the batch, marked as being prepared by this call alone; the rows
   *  follow by batches, each appended only while the mark is still this call's; a last statement
   *  makes it a preview. A preview of the same file started meanwhile takes the batch over, and this
   *  one then answers null (the file is being previewed). */
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
    const taken = await this.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO "ImportBatch" ("id", "fileHash", "fileName", "districtId", "importedById", "rowCount", "errorCount", "sourceLabel", "rows", "status",
                                 "createdCount", "attachedCount", "skippedCount", "createdAt", "updatedAt")
      VALUES (${randomUUID()}, ${p.fileHash}, ${p.fileName}, ${p.districtId}, ${p.importedById}, ${p.rowCount}, ${p.errorCount}, ${p.sourceLabel}, '[]'::jsonb, ${mark},
              0, 0, 0, ${p.now}, ${p.now})
      ON CONFLICT ("fileHash") DO UPDATE SET
        "fileName" = EXCLUDED."fileName", "districtId" = EXCLUDED."districtId", "importedById" = EXCLUDED."importedById",
        "rowCount" = EXCLUDED."rowCount", "errorCount" = EXCLUDED."errorCount", "sourceLabel" = EXCLUDED."sourceLabel",
        "rows" = '[]'::jsonb, "status" = EXCLUDED."status", "updatedAt" = EXCLUDED."updatedAt",
        "createdCount" = CASE WHEN "ImportBatch"."status" IN ('FAILED', 'IMPORTING') THEN "ImportBatch"."createdCount" ELSE 0 END,
        "attachedCount" = CASE WHEN "ImportBatch"."status" IN ('FAILED', 'IMPORTING') THEN "ImportBatch"."attachedCount" ELSE 0 END,
        "skippedCount" = CASE WHEN "ImportBatch"."status" IN ('FAILED', 'IMPORTING') THEN "ImportBatch"."skippedCount" ELSE 0 END
      WHERE "ImportBatch"."status" <> 'IMPORTED' AND NOT ("ImportBatch"."status" = 'IMPORTING' AND "ImportBatch"."updatedAt" >= ${p.staleBefore})
      RETURNING "id"`;
    const id = taken[0]?.id;
    if (!id) return null;
    for (let start = 0; start < p.rows.length; start += PREVIEW_ROWS_PER_STATEMENT) {
      const chunk = JSON.stringify(p.rows.slice(start, start + PREVIEW_ROWS_PER_STATEMENT));
      const appended = await this.prisma.$executeRaw`
        UPDATE "ImportBatch" SET "rows" = "rows" || ${chunk}::jsonb WHERE "id" = ${id} AND "status" = ${mark}`;
      if (appended !== 1) return null;
    }
    const ready = await this.prisma.$executeRaw`UPDATE "ImportBatch" SET "status" = 'PREVIEW' WHERE "id" = ${id} AND "status" = ${mark}`;
    return ready === 1 ? this.get(id) : null;
  }

  /** The rows kept with a batch, checked again (they come back from a Json column). */
  async rowsOf(id: string): Promise<ImportTarget[]> {
    const b = await this.prisma.importBatch.findUnique({ where: { id }, select: { rows: true } });
    const rows = Array.isArray(b?.rows) ? b.rows : [];
    return rows.map((r) => {
      const o = r as Record<string, unknown>;
      return { ...importRowSchema.parse(o), schoolId: String(o.schoolId), districtId: String(o.districtId) };
    });
  }

  /** How many rows wait in a batch (0 once imported, cancelled or expired). */
  async waitingRows(id: string): Promise<number> {
    const r = await this.prisma.$queryRaw<{ n: number | null }[]>`SELECT jsonb_array_length("rows")::int AS n FROM "ImportBatch" WHERE "id" = ${id}`;
    return r[0]?.n ?? 0;
  }

  /** Takes the batch for importing: from PREVIEW or FAILED, or from IMPORTING when the instance that
   *  had it stopped giving news before `staleBefore` (real time: each chunk committed refreshes
   *  updatedAt). Null when someone else holds it or it is over. */
  async claim(id: string, staleBefore: Date): Promise<ImportBatchRecord | null> {
    const taken = await this.prisma.importBatch.updateMany({
      where: { id, OR: [{ status: { in: ["PREVIEW", "FAILED"] } }, { status: "IMPORTING", updatedAt: { lt: staleBefore } }] },
      data: { status: "IMPORTING", updatedAt: new Date() },
    });
    return taken.count === 1 ? this.get(id) : null;
  }

  /** Marks the batch imported and queues its summaries in the same transaction: an import that
   *  stops before this point is resumed and sends them then, and one that got past it never sends
   *  them again (each has a dedupe key as well). */
  async finish(id: string, now: Date, summaries: OutgoingMessage[] = []): Promise<ImportBatchRecord> {
    return this.prisma.$transaction(async (tx) => {
      const batch = (await tx.importBatch.update({ where: { id }, data: { status: "IMPORTED", importedAt: now, rows: Prisma.DbNull }, select: BATCH_SELECT })) as ImportBatchRecord;
      for (const m of summaries) {
        await enqueueOutbox(tx, { conversationId: m.conversationId, kind: m.kind, payload: { render: m.render }, ...(m.dedupeKey ? { dedupeKey: m.dedupeKey } : {}) });
      }
      return batch;
    });
  }

  /** What a batch imported (over all its runs, an import resumed after a stop included), grouped
   *  for routing: found through the reports' keys (one per line, indexed), with the case as it is
   *  now (its school, the pupil's birth date the list may have completed). */
  async importedGroups(batchId: string, lines: number[]): Promise<ImportedGroup[]> {
    if (lines.length === 0) return [];
    const keys = lines.map((line) => submissionKeyOf(batchId, line));
    const rows = await this.prisma.$queryRaw<ImportedGroup[]>`
      SELECT c."schoolId", s."name" AS "schoolName", c."districtId", d."name" AS "districtName",
             p."birthYear", p."birthDate", c."escalatedToMlds",
             (e."type" = 'IMPORT_ADDED') AS "attached", count(*)::int AS "count"
      FROM "Report" r
      JOIN "Case" c ON c."id" = r."caseId"
      JOIN "Pupil" p ON p."id" = c."pupilId"
      JOIN "School" s ON s."id" = c."schoolId"
      JOIN "District" d ON d."id" = c."districtId"
      JOIN "CaseEvent" e ON e."caseId" = c."id" AND e."type" IN ('IMPORTED', 'IMPORT_ADDED') AND e."data"->>'reportId' = r."id"
      WHERE r."submissionKey" = ANY(${keys}::text[]) AND c."anonymizedAt" IS NULL
      GROUP BY c."schoolId", s."name", c."districtId", d."name", p."birthYear", p."birthDate", c."escalatedToMlds", e."type"`;
    return rows.map((r) => ({ ...r, birthYear: Number(r.birthYear), count: Number(r.count) }));
  }

  async fail(id: string): Promise<void> {
    await this.prisma.importBatch.updateMany({ where: { id, status: "IMPORTING" }, data: { status: "FAILED" } });
  }

  /** Drops a preview and its rows. False when it is no longer a preview. */
  async cancel(id: string): Promise<boolean> {
    const r = await this.prisma.importBatch.updateMany({ where: { id, status: { in: ["PREVIEW", "FAILED"] } }, data: { status: "CANCELLED", rows: Prisma.DbNull } });
    return r.count === 1;
  }

  /** Previews nobody confirmed in time lose their rows (names and birth dates are not kept for nothing). */
  async expirePreviews(before: Date): Promise<number> {
    // A preview whose writing stopped half-way (its instance stopped) goes the same way.
    const r = await this.prisma.importBatch.updateMany({
      where: { OR: [{ status: "PREVIEW" }, { status: { startsWith: PREPARING } }], updatedAt: { lt: before } },
      data: { status: "EXPIRED", rows: Prisma.DbNull },
    });
    return r.count;
  }

  /** For each row, what the database already knows of that young person: an open case (found by
   *  INE anywhere in the académie, else by school, names and birth year), or the pupil. */
  async matchRows(rows: ImportTarget[], sourceLabel: string, db: Db = this.prisma): Promise<RowMatch[]> {
    const candidates = await this.candidates(db, rows);
    return rows.map((row) => matchRow(row, candidates, sourceLabel));
  }

  private async candidates(db: Db, rows: ImportTarget[]): Promise<Candidate[]> {
    if (rows.length === 0) return [];
    const ines = [...new Set(rows.flatMap((r) => (r.ine ? [r.ine] : [])))];
    const schoolIds = rows.map((r) => r.schoolId);
    const nameKeys = rows.map((r) => r.nameKey);
    const years = rows.map((r) => r.birthYear);
    return db.$queryRaw<Candidate[]>`
      SELECT p."id" AS "pupilId", p."ine", p."schoolId", p."nameKey", p."birthYear",
             c."id" AS "caseId", c."reference", c."source"::text AS "source", c."sourceLabel"
      FROM "Pupil" p
      LEFT JOIN LATERAL (
        SELECT "id", "reference", "source", "sourceLabel" FROM "Case"
        WHERE "pupilId" = p."id" AND "status" <> 'CLOSED' AND "anonymizedAt" IS NULL
        ORDER BY "createdAt" DESC LIMIT 1
      ) c ON true
      WHERE p."anonymizedAt" IS NULL
        AND (p."ine" = ANY(${ines}::text[])
             OR (p."schoolId", p."nameKey", p."birthYear") IN (
               SELECT * FROM unnest(${schoolIds}::text[], ${nameKeys}::text[], ${years}::int[])))`;
  }

  /** One transaction: the chunk's new cases (pupil reused or created, reference, first report with
   *  the motif as a signal, IMPORTED event), the reports joining open cases, and the batch's
   *  counters (which also tell that the import is alive). No send per case: the recipients hear of
   *  the whole import once it is finished (see finish). Rows already imported by an interrupted run
   *  of the same batch are recognised by their report's key and skipped. */
  async importChunk(
    batch: { id: string; sourceLabel: string; importedById: string | null },
    rows: ImportTarget[],
    opts: { year: number; urgency: number; now: Date },
  ): Promise<ChunkResult> {
    return this.prisma.$transaction(
      async (tx) => {
        const keys = rows.map((r) => submissionKeyOf(batch.id, r.line));
        const done = new Set((await tx.report.findMany({ where: { submissionKey: { in: keys } }, select: { submissionKey: true } })).map((r) => r.submissionKey));
        const todo = rows.filter((r) => !done.has(submissionKeyOf(batch.id, r.line)));
        const matches = await this.matchRows(todo, batch.sourceLabel, tx);

        const pupils: Prisma.PupilCreateManyInput[] = [];
        const cases: Prisma.CaseCreateManyInput[] = [];
        const reports: Prisma.ReportCreateManyInput[] = [];
        const signals: Prisma.ReportSignalCreateManyInput[] = [];
        const events: Prisma.CaseEventCreateManyInput[] = [];
        const fillPupils: { id: string; ine: string | null; birthDate: string; className: string | null }[] = [];
        const attachedCaseIds: string[] = [];
        const references: string[] = [];
        let skipped = 0;

        const fresh = todo.filter((_, i) => matches[i]!.kind === "new");
        let number = fresh.length > 0 ? (await reserveCaseNumbers(tx, opts.year, fresh.length)) - fresh.length : 0;

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
                birthDate: new Date(`${row.birthDate}T00:00:00Z`),
                className: row.lastTraining,
                ine: row.ine,
              });
            }
            caseId = randomUUID();
            const reference = formatReference(opts.year, ++number);
            references.push(reference);
            cases.push({
              id: caseId,
              reference,
              pupilId,
              schoolId: row.schoolId,
              districtId: row.districtId,
              urgency: opts.urgency,
              source: "IMPORT",
              sourceLabel: batch.sourceLabel,
              reporterId: null,
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
          signals.push({ reportId, code: row.signal, family, note: row.motif });
          events.push({
            caseId,
            actorId: batch.importedById,
            at: opts.now,
            type: match.kind === "attach" ? "IMPORT_ADDED" : "IMPORTED",
            data: { reportId, batchId: batch.id, line: row.line, source: batch.sourceLabel, families: [family], urgency: opts.urgency },
          });
        });

        if (pupils.length) await tx.pupil.createMany({ data: pupils });
        if (fillPupils.length) await fillPupilDetails(tx, fillPupils);
        if (cases.length) await tx.case.createMany({ data: cases });
        if (attachedCaseIds.length) {
          // A report may raise the urgency of the case it joins, never lower it (as reports do).
          await tx.case.updateMany({ where: { id: { in: attachedCaseIds }, urgency: { lt: opts.urgency } }, data: { urgency: opts.urgency, version: { increment: 1 } } });
        }
        if (reports.length) await tx.report.createMany({ data: reports });
        if (signals.length) await tx.reportSignal.createMany({ data: signals });
        if (events.length) await tx.caseEvent.createMany({ data: events });
        const result = { created: cases.length, attached: attachedCaseIds.length, skipped, references };
        await tx.importBatch.update({
          where: { id: batch.id },
          data: { createdCount: { increment: result.created }, attachedCount: { increment: result.attached }, skippedCount: { increment: skipped }, updatedAt: new Date() },
        });
        return result;
      },
      { timeout: 120_000, maxWait: 20_000 },
    );
  }
}

function matchRow(row: ImportTarget, candidates: Candidate[], sourceLabel: string): RowMatch {
  const byIne = row.ine ? candidates.filter((c) => c.ine === row.ine) : [];
  // The same names and birth year at the same school, unless the pupil known there has another INE.
  const byKey = candidates.filter(
    (c) => c.schoolId === row.schoolId && c.nameKey === row.nameKey && c.birthYear === row.birthYear && (c.ine === null || row.ine === null || c.ine === row.ine),
  );
  const open = byIne.find((c) => c.caseId) ?? byKey.find((c) => c.caseId);
  if (open?.caseId && open.reference) {
    if (open.source === "IMPORT" && open.sourceLabel === sourceLabel) return { kind: "already", caseId: open.caseId, reference: open.reference };
    return { kind: "attach", caseId: open.caseId, reference: open.reference, pupilId: open.pupilId };
  }
  // A pupil record is reused only at the same school (a case's pupil belongs to its school).
  const pupil = byIne.find((c) => c.schoolId === row.schoolId) ?? byKey[0];
  return { kind: "new", pupilId: pupil?.pupilId ?? null };
}

/** Reserves n consecutive case numbers of a year; returns the last one. The row lock of the upsert
 *  serialises it with reports being recorded at the same time. */
async function reserveCaseNumbers(tx: Prisma.TransactionClient, year: number, n: number): Promise<number> {
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO "CaseCounter" ("year", "last") VALUES (${year}, ${n})
    ON CONFLICT ("year") DO UPDATE SET "last" = "CaseCounter"."last" + ${n}
    RETURNING "last"`;
  return rows[0]!.last;
}

/** The official list completes what a report left out (INE, birth date); the last training it
 *  names becomes the class shown on cards. */
async function fillPupilDetails(tx: Prisma.TransactionClient, rows: { id: string; ine: string | null; birthDate: string; className: string | null }[]): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Pupil" p SET
      "ine" = COALESCE(p."ine", u.ine),
      "birthDate" = COALESCE(p."birthDate", u.birth_date::date),
      "className" = COALESCE(u.class_name, p."className")
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.ine)}::text[], ${rows.map((r) => r.birthDate)}::text[], ${rows.map((r) => r.className)}::text[])
      AS u(id, ine, birth_date, class_name)
    WHERE p."id" = u.id`;
}

function frenchDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-");
  return `${d}/${m}/${y}`;
}
