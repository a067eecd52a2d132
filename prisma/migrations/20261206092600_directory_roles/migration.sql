-- Roles of issue 24 (the GPDS, the bassin's IEN-IO, the DSDEN), placed as schema.prisma lists them.
-- PostgreSQL 12 and later accept ADD VALUE inside a transaction (the migrator runs each migration
-- in one); the new values cannot be used before it commits, and this migration does not use them.
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'CPE' AFTER 'STAFF';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'HEAD' AFTER 'CPE';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'PSYEN' AFTER 'REFERENT';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'SOCIAL_WORKER' AFTER 'PSYEN';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'NURSE' AFTER 'SOCIAL_WORKER';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'IEN_IO' AFTER 'COORDINATOR';
ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'DSDEN' AFTER 'IEN_IO';
