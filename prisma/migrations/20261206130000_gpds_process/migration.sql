-- CreateEnum
CREATE TYPE "MldsAccess" AS ENUM ('IMMEDIATE', 'URGENT_OR_OUT_OF_SCHOOL', 'ON_REFERRAL_ONLY');

-- AlterTable
ALTER TABLE "District" ADD COLUMN     "mldsAccess" "MldsAccess" NOT NULL DEFAULT 'URGENT_OR_OUT_OF_SCHOOL';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "ageAtReport" INTEGER,
ADD COLUMN     "outOfSchool" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "referredAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "outOfSchool" BOOLEAN NOT NULL DEFAULT false;


-- Existing cases keep what they have: the age that decides whether the MLDS is concerned is the one
-- the bot computed until now (today's age, from the birth date, else the birth year), frozen here.
-- Cases without a birth date are flagged for completion by their null Pupil."birthDate".
UPDATE "Case" c SET "ageAtReport" = CASE
    WHEN p."birthDate" IS NOT NULL THEN date_part('year', age((now() AT TIME ZONE 'Europe/Paris')::date, p."birthDate"))::int
    ELSE date_part('year', now() AT TIME ZONE 'Europe/Paris')::int - p."birthYear"
  END
FROM "Pupil" p WHERE p."id" = c."pupilId";

-- A case already sent to the MLDS was referred when it was sent.
UPDATE "Case" c SET "referredAt" = e."at"
FROM (SELECT "caseId", max("at") AS "at" FROM "CaseEvent" WHERE "type" = 'ESCALATED' GROUP BY "caseId") e
WHERE e."caseId" = c."id" AND c."escalatedToMlds";
