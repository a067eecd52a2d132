-- CreateTable
CREATE TABLE "AcademieTransfer" (
    "id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "caseId" TEXT,
    "memberId" TEXT NOT NULL,
    "academie" TEXT NOT NULL,
    "body" JSONB,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "downloadedAt" TIMESTAMPTZ(3),
    "importedCaseId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcademieTransfer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AcademieTransfer_expiresAt_idx" ON "AcademieTransfer"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "AcademieTransfer_direction_digest_key" ON "AcademieTransfer"("direction", "digest");

