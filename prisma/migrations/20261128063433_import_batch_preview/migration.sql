-- AlterTable
ALTER TABLE "ImportBatch" ADD COLUMN     "attachedCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "errorCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "importedAt" TIMESTAMP(3),
ADD COLUMN     "rows" JSONB,
ADD COLUMN     "skippedCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sourceLabel" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE INDEX "ImportBatch_status_updatedAt_idx" ON "ImportBatch"("status", "updatedAt");

