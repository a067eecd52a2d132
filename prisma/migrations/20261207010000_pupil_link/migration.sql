-- CreateTable
CREATE TABLE "PupilLink" (
    "pupilId" TEXT NOT NULL,
    "otherPupilId" TEXT NOT NULL,
    "same" BOOLEAN NOT NULL,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PupilLink_pkey" PRIMARY KEY ("pupilId","otherPupilId")
);

-- CreateIndex
CREATE INDEX "PupilLink_otherPupilId_idx" ON "PupilLink"("otherPupilId");

-- AddForeignKey
ALTER TABLE "PupilLink" ADD CONSTRAINT "PupilLink_pupilId_fkey" FOREIGN KEY ("pupilId") REFERENCES "Pupil"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PupilLink" ADD CONSTRAINT "PupilLink_otherPupilId_fkey" FOREIGN KEY ("otherPupilId") REFERENCES "Pupil"("id") ON DELETE CASCADE ON UPDATE CASCADE;

