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

  async findByAad(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    const m = await this.prisma.member.findUnique({
      where: { tenantId_aadObjectId: { tenantId, aadObjectId } },
      include: { schools: { select: { schoolId: true } } },
    });
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
      schoolIds: m.schools.map((s) => s.schoolId),
    };
  }
}
