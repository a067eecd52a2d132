-- AlterTable
ALTER TABLE "OutboxMessage" ADD COLUMN     "failingSince" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "OutboxPace" (
    "conversationId" TEXT NOT NULL,
    "sends" TIMESTAMP(3)[],
    "nextStartAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutboxPace_pkey" PRIMARY KEY ("conversationId")
);

