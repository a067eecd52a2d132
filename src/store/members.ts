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

export class MemberRepository {
  constructor(private readonly prisma: PrismaClient) {}

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
