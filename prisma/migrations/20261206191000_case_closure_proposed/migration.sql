-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "closureProposedAt" TIMESTAMPTZ(3);

