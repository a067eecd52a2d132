-- CreateTable
CREATE TABLE "PupilContact" (
    "pupilId" TEXT NOT NULL,
    "phone" TEXT,
    "email" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PupilContact_pkey" PRIMARY KEY ("pupilId")
);

-- CreateTable
CREATE TABLE "CallAttempt" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "byId" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "calledAt" DATE NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CallAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CallAttempt_caseId_calledAt_idx" ON "CallAttempt"("caseId", "calledAt");

-- AddForeignKey
ALTER TABLE "PupilContact" ADD CONSTRAINT "PupilContact_pupilId_fkey" FOREIGN KEY ("pupilId") REFERENCES "Pupil"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallAttempt" ADD CONSTRAINT "CallAttempt_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

