import type { PrismaClient } from "../generated/prisma/client.js";

export type SchoolSummary = { id: string; uai: string; name: string; city: string | null; districtId: string };

export class SchoolRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async byIds(ids: string[]): Promise<SchoolSummary[]> {
    if (ids.length === 0) return [];
    return this.prisma.school.findMany({ where: { id: { in: ids } }, select: { id: true, uai: true, name: true, city: true, districtId: true }, orderBy: { name: "asc" } });
  }

  async inDistrict(districtId: string): Promise<SchoolSummary[]> {
    return this.prisma.school.findMany({ where: { districtId }, select: { id: true, uai: true, name: true, city: true, districtId: true }, orderBy: { name: "asc" } });
  }
}
