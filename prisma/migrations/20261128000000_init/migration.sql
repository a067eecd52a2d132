
-- CreateEnum
CREATE TYPE "Role" AS ENUM ('STAFF', 'REFERENT', 'COORDINATOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "SchoolKind" AS ENUM ('COLLEGE', 'LYCEE_GT', 'LYCEE_PRO', 'LYCEE_POLY', 'EREA', 'OTHER');

-- CreateEnum
CREATE TYPE "CaseStatus" AS ENUM ('NEW', 'ACKNOWLEDGED', 'INFO_REQUESTED', 'PLAN_ACTIVE', 'REVIEW_DUE', 'CLOSED');

-- CreateEnum
CREATE TYPE "CaseSource" AS ENUM ('REPORT', 'IMPORT');

-- CreateEnum
CREATE TYPE "PlanActionStatus" AS ENUM ('PLANNED', 'IN_PROGRESS', 'DONE', 'ABANDONED');

-- CreateEnum
CREATE TYPE "OutcomeKind" AS ENUM ('BACK_IN_TRAINING', 'KEPT_IN_TRAINING', 'APPRENTICESHIP', 'EMPLOYMENT', 'PARTNER_REFERRAL', 'MOVED_AWAY', 'NO_SOLUTION', 'DISMISSED');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "ConversationKind" AS ENUM ('PERSONAL', 'CHANNEL', 'GROUP_CHAT');

-- CreateTable
CREATE TABLE "District" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "District_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "School" (
    "id" TEXT NOT NULL,
    "uai" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "SchoolKind" NOT NULL,
    "city" TEXT,
    "districtId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "School_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "aadObjectId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "email" TEXT,
    "role" "Role" NOT NULL,
    "locale" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "districtId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MemberSchool" (
    "memberId" TEXT NOT NULL,
    "schoolId" TEXT NOT NULL,

    CONSTRAINT "MemberSchool_pkey" PRIMARY KEY ("memberId","schoolId")
);

-- CreateTable
CREATE TABLE "Pupil" (
    "id" TEXT NOT NULL,
    "schoolId" TEXT NOT NULL,
    "lastName" TEXT NOT NULL,
    "firstName" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "birthYear" INTEGER NOT NULL,
    "birthDate" DATE,
    "className" TEXT,
    "ine" TEXT,
    "anonymizedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Pupil_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseCounter" (
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CaseCounter_pkey" PRIMARY KEY ("year")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "pupilId" TEXT NOT NULL,
    "schoolId" TEXT NOT NULL,
    "districtId" TEXT NOT NULL,
    "status" "CaseStatus" NOT NULL DEFAULT 'NEW',
    "urgency" INTEGER NOT NULL,
    "source" "CaseSource" NOT NULL DEFAULT 'REPORT',
    "sourceLabel" TEXT,
    "escalatedToMlds" BOOLEAN NOT NULL DEFAULT false,
    "reporterId" TEXT,
    "assigneeId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "nextReviewAt" TIMESTAMP(3),
    "reviewRemindedFor" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "anonymizedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Report" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "reporterId" TEXT,
    "submissionKey" TEXT NOT NULL,
    "absenceHalfDays" INTEGER,
    "stepsTaken" TEXT[],
    "urgency" INTEGER NOT NULL,
    "observations" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportSignal" (
    "id" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "note" TEXT,

    CONSTRAINT "ReportSignal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Plan" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "objective" TEXT NOT NULL,
    "nextReviewAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanAction" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "startDate" DATE,
    "endDate" DATE,
    "partner" TEXT,
    "company" TEXT,
    "status" "PlanActionStatus" NOT NULL DEFAULT 'PLANNED',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Outcome" (
    "caseId" TEXT NOT NULL,
    "kind" "OutcomeKind" NOT NULL,
    "comment" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Outcome_pkey" PRIMARY KEY ("caseId")
);

-- CreateTable
CREATE TABLE "CaseEvent" (
    "id" BIGSERIAL NOT NULL,
    "caseId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "CaseEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoutingChannel" (
    "id" TEXT NOT NULL,
    "districtId" TEXT,
    "isFallback" BOOLEAN NOT NULL DEFAULT false,
    "teamId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoutingChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChannelPost" (
    "id" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "activityId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChannelPost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConversationRef" (
    "conversationId" TEXT NOT NULL,
    "kind" "ConversationKind" NOT NULL,
    "tenantId" TEXT,
    "aadObjectId" TEXT,
    "teamId" TEXT,
    "channelId" TEXT,
    "serviceUrl" TEXT NOT NULL,
    "reference" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConversationRef_pkey" PRIMARY KEY ("conversationId")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "dedupeKey" TEXT,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "lastError" TEXT,
    "resultActivityId" TEXT,
    "caseId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BotState" (
    "key" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "eTag" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BotState_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "ProcessedActivity" (
    "activityId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProcessedActivity_pkey" PRIMARY KEY ("activityId")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "name" TEXT NOT NULL,
    "lastRunAt" TIMESTAMP(3),
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "ImportBatch" (
    "id" TEXT NOT NULL,
    "fileHash" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "districtId" TEXT,
    "importedById" TEXT,
    "rowCount" INTEGER NOT NULL DEFAULT 0,
    "createdCount" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ImportBatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "District_code_key" ON "District"("code");

-- CreateIndex
CREATE UNIQUE INDEX "School_uai_key" ON "School"("uai");

-- CreateIndex
CREATE INDEX "School_districtId_idx" ON "School"("districtId");

-- CreateIndex
CREATE INDEX "Member_districtId_role_idx" ON "Member"("districtId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "Member_tenantId_aadObjectId_key" ON "Member"("tenantId", "aadObjectId");

-- CreateIndex
CREATE INDEX "MemberSchool_schoolId_idx" ON "MemberSchool"("schoolId");

-- CreateIndex
CREATE INDEX "Pupil_schoolId_nameKey_birthYear_idx" ON "Pupil"("schoolId", "nameKey", "birthYear");

-- CreateIndex
CREATE INDEX "Pupil_nameKey_idx" ON "Pupil"("nameKey");

-- CreateIndex
CREATE INDEX "Pupil_ine_idx" ON "Pupil"("ine");

-- CreateIndex
CREATE UNIQUE INDEX "Case_reference_key" ON "Case"("reference");

-- CreateIndex
CREATE INDEX "Case_schoolId_status_createdAt_idx" ON "Case"("schoolId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Case_districtId_status_createdAt_idx" ON "Case"("districtId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Case_assigneeId_status_idx" ON "Case"("assigneeId", "status");

-- CreateIndex
CREATE INDEX "Case_reporterId_createdAt_idx" ON "Case"("reporterId", "createdAt");

-- CreateIndex
CREATE INDEX "Case_status_nextReviewAt_idx" ON "Case"("status", "nextReviewAt");

-- CreateIndex
CREATE INDEX "Case_pupilId_status_idx" ON "Case"("pupilId", "status");

-- CreateIndex
CREATE INDEX "Case_closedAt_idx" ON "Case"("closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Report_submissionKey_key" ON "Report"("submissionKey");

-- CreateIndex
CREATE INDEX "Report_caseId_idx" ON "Report"("caseId");

-- CreateIndex
CREATE INDEX "Report_reporterId_createdAt_idx" ON "Report"("reporterId", "createdAt");

-- CreateIndex
CREATE INDEX "ReportSignal_reportId_idx" ON "ReportSignal"("reportId");

-- CreateIndex
CREATE INDEX "ReportSignal_family_idx" ON "ReportSignal"("family");

-- CreateIndex
CREATE UNIQUE INDEX "Plan_caseId_key" ON "Plan"("caseId");

-- CreateIndex
CREATE INDEX "PlanAction_planId_idx" ON "PlanAction"("planId");

-- CreateIndex
CREATE INDEX "Outcome_kind_idx" ON "Outcome"("kind");

-- CreateIndex
CREATE INDEX "CaseEvent_caseId_at_idx" ON "CaseEvent"("caseId", "at");

-- CreateIndex
CREATE INDEX "CaseEvent_type_at_idx" ON "CaseEvent"("type", "at");

-- CreateIndex
CREATE UNIQUE INDEX "RoutingChannel_districtId_key" ON "RoutingChannel"("districtId");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelPost_caseId_conversationId_key" ON "ChannelPost"("caseId", "conversationId");

-- CreateIndex
CREATE INDEX "ConversationRef_aadObjectId_idx" ON "ConversationRef"("aadObjectId");

-- CreateIndex
CREATE INDEX "ConversationRef_teamId_channelId_idx" ON "ConversationRef"("teamId", "channelId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMessage_dedupeKey_key" ON "OutboxMessage"("dedupeKey");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_nextAttemptAt_idx" ON "OutboxMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxMessage_conversationId_status_idx" ON "OutboxMessage"("conversationId", "status");

-- CreateIndex
CREATE INDEX "ProcessedActivity_createdAt_idx" ON "ProcessedActivity"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ImportBatch_fileHash_key" ON "ImportBatch"("fileHash");

-- AddForeignKey
ALTER TABLE "School" ADD CONSTRAINT "School_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberSchool" ADD CONSTRAINT "MemberSchool_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "Member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberSchool" ADD CONSTRAINT "MemberSchool_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pupil" ADD CONSTRAINT "Pupil_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_pupilId_fkey" FOREIGN KEY ("pupilId") REFERENCES "Pupil"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReportSignal" ADD CONSTRAINT "ReportSignal_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Plan" ADD CONSTRAINT "Plan_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanAction" ADD CONSTRAINT "PlanAction_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outcome" ADD CONSTRAINT "Outcome_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseEvent" ADD CONSTRAINT "CaseEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoutingChannel" ADD CONSTRAINT "RoutingChannel_districtId_fkey" FOREIGN KEY ("districtId") REFERENCES "District"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChannelPost" ADD CONSTRAINT "ChannelPost_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE CASCADE ON UPDATE CASCADE;

