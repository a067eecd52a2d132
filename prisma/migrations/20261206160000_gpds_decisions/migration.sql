-- AlterTable
ALTER TABLE "GpdsMeeting" ADD COLUMN     "agendaCaseIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "agendaReviewIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "closedAt" TIMESTAMPTZ(3),
ADD COLUMN     "closedById" TEXT;

