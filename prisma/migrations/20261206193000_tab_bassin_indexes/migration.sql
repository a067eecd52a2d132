-- CreateIndex
CREATE INDEX "Case_districtId_createdAt_id_idx" ON "Case"("districtId", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Case_districtId_status_escalatedToMlds_ageAtReport_idx" ON "Case"("districtId", "status", "escalatedToMlds", "ageAtReport");

-- CreateIndex
CREATE INDEX "Case_assigneeId_districtId_ageAtReport_idx" ON "Case"("assigneeId", "districtId", "ageAtReport");
