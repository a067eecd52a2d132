-- CreateIndex
CREATE INDEX "Case_schoolId_status_nextReviewAt_idx" ON "Case"("schoolId", "status", "nextReviewAt");

-- CreateIndex
CREATE INDEX "Case_districtId_status_nextReviewAt_idx" ON "Case"("districtId", "status", "nextReviewAt");

-- CreateIndex
CREATE INDEX "Pupil_schoolId_nameKey_id_idx" ON "Pupil"("schoolId", "nameKey", "id");
