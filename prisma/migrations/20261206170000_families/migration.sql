-- CreateTable
CREATE TABLE "CaseFamily" (
    "caseId" TEXT NOT NULL,
    "informedAt" DATE,
    "metAt" DATE,
    "metBy" TEXT,
    "youngPersonAgreedAt" DATE,
    "familyAgreedAt" DATE,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseFamily_pkey" PRIMARY KEY ("caseId")
);

-- CreateTable
CREATE TABLE "AcademySetting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedById" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcademySetting_pkey" PRIMARY KEY ("key")
);

-- AddForeignKey
ALTER TABLE "CaseFamily" ADD CONSTRAINT "CaseFamily_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

