import type { PrismaClient } from "../../src/generated/prisma/client.js";

/** Fills a seeded database (the demo académie) with `n` cases spread over its six schools and two
 *  school years (September 2025 to June 2027), every status, one report with two signal families
 *  each, take-in-charge events, plans and outcomes: one INSERT … SELECT generate_series a table.
 *  For measuring the statistics on volume (test/integration/stats.test.ts, bench/stats-100k.ts). */
export async function fillCases(prisma: PrismaClient, n: number): Promise<void> {
  const schools = `(SELECT "id", "districtId", (row_number() OVER (ORDER BY "uai")) - 1 AS k FROM "School")`;
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Pupil" ("id", "schoolId", "lastName", "firstName", "nameKey", "birthYear")
    SELECT 'vp-' || g, s."id", 'Volume' || g, 'Test', 'volume' || g || ' test', 2005 + g % 8
    FROM generate_series(1, ${n}) g JOIN ${schools} s ON s.k = g % 6`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Case" ("id", "reference", "pupilId", "schoolId", "districtId", "status", "urgency", "escalatedToMlds", "createdAt", "updatedAt", "nextReviewAt", "closedAt")
    SELECT 'vc-' || g, 'V-' || g, 'vp-' || g, s."id", s."districtId",
      (ARRAY['NEW','ACKNOWLEDGED','INFO_REQUESTED','PLAN_ACTIVE','REVIEW_DUE','CLOSED'])[1 + g % 6]::"CaseStatus",
      1 + g % 3, g % 7 = 0, t, t,
      CASE WHEN g % 6 IN (3, 4) THEN t + interval '30 days' END,
      CASE WHEN g % 6 = 5 THEN t + interval '20 days' END
    FROM generate_series(1, ${n}) g JOIN ${schools} s ON s.k = g % 6
    CROSS JOIN LATERAL (SELECT timestamp '2025-09-01' + (g % 660) * interval '1 day' + (g % 24) * interval '1 hour' AS t) x`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Report" ("id", "caseId", "submissionKey", "urgency", "stepsTaken", "createdAt")
    SELECT 'vr-' || g, 'vc-' || g, 'vk-' || g, 2, '{}', c."createdAt" FROM generate_series(1, ${n}) g JOIN "Case" c ON c."id" = 'vc-' || g`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "ReportSignal" ("id", "reportId", "code", "family")
    SELECT 'vs-' || g || '-' || i, 'vr-' || g, 'VOLUME', (ARRAY['ATTENDANCE','ENGAGEMENT','RESULTS','BEHAVIOUR','ORIENTATION'])[1 + (g + 2 * i) % 5]
    FROM generate_series(1, ${n}) g CROSS JOIN generate_series(0, 1) i`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "CaseEvent" ("caseId", "at", "type", "data")
    SELECT c."id", c."createdAt", 'REPORTED', '{}'::jsonb FROM "Case" c WHERE c."id" LIKE 'vc-%'
    UNION ALL
    SELECT c."id", c."createdAt" + (1 + length(c."id") % 5) * interval '1 day', 'TAKEN_IN_CHARGE', '{}'::jsonb FROM "Case" c WHERE c."id" LIKE 'vc-%' AND c."status" <> 'NEW'`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Plan" ("id", "caseId", "objective", "createdAt", "updatedAt")
    SELECT 'vl-' || c."id", c."id", '', c."createdAt" + interval '8 days', c."createdAt" FROM "Case" c
    WHERE c."id" LIKE 'vc-%' AND c."status" IN ('PLAN_ACTIVE', 'REVIEW_DUE', 'CLOSED')`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "Outcome" ("caseId", "kind", "decidedAt")
    SELECT c."id", (ARRAY['BACK_IN_TRAINING','APPRENTICESHIP','EMPLOYMENT','NO_SOLUTION']::"OutcomeKind"[])[1 + length(c."reference") % 4], c."closedAt"
    FROM "Case" c WHERE c."id" LIKE 'vc-%' AND c."status" = 'CLOSED' AND right(c."id", 1) IN ('1', '3', '5', '7', '9')`);
  await prisma.$executeRawUnsafe(`ANALYZE`);
}
