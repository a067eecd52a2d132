import type { PrismaClient } from "../generated/prisma/client.js";
import type { Role } from "../domain/roles.js";

export type MemberRecord = {
  id: string;
  tenantId: string;
  aadObjectId: string;
  displayName: string;
  email: string | null;
  role: Role;
  locale: string | null;
  districtId: string | null;
  schoolIds: string[];
};

export type MemberSummary = { id: string; displayName: string; aadObjectId: string; role: Role; locale: string | null };

const SUMMARY = { id: true, displayName: true, aadObjectId: true, role: true, locale: true } as const;

export class MemberRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async byId(id: string): Promise<MemberSummary | null> {
    return this.prisma.member.findFirst({ where: { id, active: true }, select: SUMMARY });
  }

  /** The school's référents décrochage (GPDS). */
  async referentsOf(schoolId: string): Promise<MemberSummary[]> {
    return this.prisma.member.findMany({ where: { role: "REFERENT", active: true, schools: { some: { schoolId } } }, select: SUMMARY, orderBy: { displayName: "asc" } });
  }

  /** The MLDS coordinators of a district. */
  async coordinatorsOf(districtId: string): Promise<MemberSummary[]> {
    return this.prisma.member.findMany({ where: { role: "COORDINATOR", active: true, districtId }, select: SUMMARY, orderBy: { displayName: "asc" } });
  }

  /** People a case can be assigned to, in one statement: the district's coordinators, then the
   *  school's référents (each by name), as coordinatorsOf + referentsOf would list them. */
  async assigneesOf(districtId: string, schoolId: string): Promise<MemberSummary[]> {
    return this.prisma.$queryRaw<MemberSummary[]>`
      SELECT m."id", m."displayName", m."aadObjectId", m."role"::text AS "role", m."locale"
        FROM "Member" m
       WHERE m."active" AND ((m."role" = 'COORDINATOR' AND m."districtId" = ${districtId})
          OR (m."role" = 'REFERENT' AND EXISTS (SELECT 1 FROM "MemberSchool" ms WHERE ms."memberId" = m."id" AND ms."schoolId" = ${schoolId})))
       ORDER BY m."role" = 'REFERENT', m."displayName"`;
  }

  /** Runs on every turn: one statement (the member and their schools) rather than two Prisma
   *  queries; measured by `npm run bench` (bench/README.md). */
  async findByAad(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    const rows = await this.prisma.$queryRaw<(Omit<MemberRecord, "schoolIds"> & { active: boolean; schoolIds: string[] | null })[]>`
      SELECT m."id", m."tenantId", m."aadObjectId", m."displayName", m."email", m."role"::text AS "role", m."locale", m."districtId", m."active",
             (SELECT array_agg(ms."schoolId") FROM "MemberSchool" ms WHERE ms."memberId" = m."id") AS "schoolIds"
        FROM "Member" m
       WHERE m."tenantId" = ${tenantId} AND m."aadObjectId" = ${aadObjectId}`;
    const m = rows[0];
    if (!m || !m.active) return null;
    return {
      id: m.id,
      tenantId: m.tenantId,
      aadObjectId: m.aadObjectId,
      displayName: m.displayName,
      email: m.email,
      role: m.role,
      locale: m.locale,
      districtId: m.districtId,
      schoolIds: m.schoolIds ?? [],
    };
  }
}
