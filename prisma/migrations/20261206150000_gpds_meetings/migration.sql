-- CreateTable
CREATE TABLE "GpdsMeeting" (
    "id" TEXT NOT NULL,
    "schoolId" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "createdById" TEXT,
    "agendaSentAt" TIMESTAMPTZ(3),
    "attendeeIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GpdsMeeting_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GpdsSpace" (
    "schoolId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "registeredById" TEXT,
    "registeredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GpdsSpace_pkey" PRIMARY KEY ("schoolId")
);

-- CreateIndex
CREATE INDEX "GpdsMeeting_date_agendaSentAt_idx" ON "GpdsMeeting"("date", "agendaSentAt");

-- CreateIndex
CREATE UNIQUE INDEX "GpdsMeeting_schoolId_date_key" ON "GpdsMeeting"("schoolId", "date");

-- AddForeignKey
ALTER TABLE "GpdsMeeting" ADD CONSTRAINT "GpdsMeeting_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GpdsSpace" ADD CONSTRAINT "GpdsSpace_schoolId_fkey" FOREIGN KEY ("schoolId") REFERENCES "School"("id") ON DELETE CASCADE ON UPDATE CASCADE;

