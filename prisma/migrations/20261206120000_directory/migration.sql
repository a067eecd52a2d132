-- CreateEnum
CREATE TYPE "SchoolState" AS ENUM ('OPEN', 'OPENING', 'CLOSING', 'CLOSED');

-- CreateEnum
CREATE TYPE "SchoolSector" AS ENUM ('PUBLIC', 'PRIVATE_UNDER_CONTRACT');

-- CreateEnum
CREATE TYPE "EnrolmentStatus" AS ENUM ('PENDING', 'APPROVED', 'REFUSED', 'WITHDRAWN');

-- AlterTable
ALTER TABLE "District" ADD COLUMN     "departmentCode" TEXT;

-- AlterTable
ALTER TABLE "School" ADD COLUMN     "academyCode" TEXT,
ADD COLUMN     "departmentCode" TEXT,
ADD COLUMN     "directoryAt" TIMESTAMPTZ(3),
ADD COLUMN     "sector" "SchoolSector" NOT NULL DEFAULT 'PUBLIC',
ADD COLUMN     "state" "SchoolState" NOT NULL DEFAULT 'OPEN';

-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "boundAt" TIMESTAMPTZ(3),
ADD COLUMN     "departmentCode" TEXT,
ADD COLUMN     "function" TEXT,
ALTER COLUMN "tenantId" DROP NOT NULL,
ALTER COLUMN "aadObjectId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "MemberEvent" (
    "id" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "actorId" TEXT,
    "kind" TEXT NOT NULL,
    "detail" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MemberEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Enrolment" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "aadObjectId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "locale" TEXT,
    "function" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "schoolId" TEXT,
    "districtId" TEXT,
    "departmentCode" TEXT,
    "status" "EnrolmentStatus" NOT NULL DEFAULT 'PENDING',
    "decidedById" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "memberId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Enrolment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryImport" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "fileHash" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "academyCode" TEXT,
    "importedById" TEXT,
    "status" TEXT NOT NULL,
    "summary" JSONB,
    "rows" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" TIMESTAMPTZ(3),

    CONSTRAINT "DirectoryImport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MemberEvent_memberId_createdAt_idx" ON "MemberEvent"("memberId", "createdAt");

-- CreateIndex
CREATE INDEX "Enrolment_tenantId_aadObjectId_status_idx" ON "Enrolment"("tenantId", "aadObjectId", "status");

-- CreateIndex
CREATE INDEX "Enrolment_schoolId_status_idx" ON "Enrolment"("schoolId", "status");

-- CreateIndex
CREATE INDEX "DirectoryImport_kind_fileHash_idx" ON "DirectoryImport"("kind", "fileHash");

-- CreateIndex
CREATE INDEX "DirectoryImport_status_createdAt_idx" ON "DirectoryImport"("status", "createdAt");

-- CreateIndex
CREATE INDEX "School_departmentCode_idx" ON "School"("departmentCode");

-- E-mails recognise a listed person at first contact: stored lower-cased, one member each. Of two
-- members with the same address the older keeps it (the other is found by its Teams identity).
UPDATE "Member" SET "email" = NULLIF(lower(btrim("email")), '');
UPDATE "Member" m SET "email" = NULL
  WHERE "email" IS NOT NULL AND EXISTS (
    SELECT 1 FROM "Member" o WHERE o."email" = m."email" AND (o."createdAt", o."id") < (m."createdAt", m."id"));
CREATE UNIQUE INDEX "Member_email_key" ON "Member"("email");

-- The département of the schools already there, from their UAI (Corsica's UAIs begin 620 and 720).
UPDATE "School" SET "departmentCode" = CASE substr("uai", 1, 3) WHEN '620' THEN '02A' WHEN '720' THEN '02B' ELSE substr("uai", 1, 3) END
  WHERE "departmentCode" IS NULL;
UPDATE "District" d SET "departmentCode" = (
  SELECT s."departmentCode" FROM "School" s WHERE s."districtId" = d."id"
  GROUP BY s."departmentCode" ORDER BY count(*) DESC, s."departmentCode" LIMIT 1)
  WHERE "departmentCode" IS NULL;

-- AddForeignKey
ALTER TABLE "MemberEvent" ADD CONSTRAINT "MemberEvent_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Enrolment" ADD CONSTRAINT "Enrolment_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE SET NULL ON UPDATE CASCADE;

