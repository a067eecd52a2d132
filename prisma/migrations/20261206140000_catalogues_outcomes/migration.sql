-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "OutcomeKind" ADD VALUE 'VOCATIONAL_TRAINING';
ALTER TYPE "OutcomeKind" ADD VALUE 'CIVIC_SERVICE';
ALTER TYPE "OutcomeKind" ADD VALUE 'DIPLOMA';
ALTER TYPE "OutcomeKind" ADD VALUE 'SUPPORT_REFUSED';
ALTER TYPE "OutcomeKind" ADD VALUE 'LOST_CONTACT';

-- AlterTable
ALTER TABLE "PlanAction" ADD COLUMN     "validatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "validatedById" TEXT,
ADD COLUMN     "validation" TEXT;


-- Plan actions of the earlier single catalogue that have an equivalent in the new ones. Other old
-- codes (PERSONAL_PROJECT) stay as they are: shown with their label, no longer offered.
UPDATE "PlanAction" SET "type" = 'PSYEN_FOLLOW_UP' WHERE "type" = 'PSYEN_INTERVIEW';
UPDATE "PlanAction" SET "type" = 'REMOBILISATION' WHERE "type" = 'REMOBILISATION_SAS';
