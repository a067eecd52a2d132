-- CreateTable
CREATE TABLE "CaseTransfer" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "fromSchoolId" TEXT NOT NULL,
    "toSchoolId" TEXT NOT NULL,
    "fromDistrictId" TEXT NOT NULL,
    "toDistrictId" TEXT NOT NULL,
    "byId" TEXT,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseTransfer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CaseTransfer_caseId_at_idx" ON "CaseTransfer"("caseId", "at");

-- CreateIndex
CREATE INDEX "CaseTransfer_fromSchoolId_idx" ON "CaseTransfer"("fromSchoolId");

-- AddForeignKey
ALTER TABLE "CaseTransfer" ADD CONSTRAINT "CaseTransfer_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

