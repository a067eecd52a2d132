import type { PrismaClient } from "../generated/prisma/client.js";
import type { Role } from "../domain/roles.js";
import type { TurnStartRepository } from "./turn-start.js";
import type { HotSql } from "./hot-sql.js";

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
  /** Whether any case is assigned to the member; read only where a turn starts. */
  holdsCases?: boolean;
};

export type MemberSummary = { id: string; displayName: string; aadObjectId: string; role: Role; locale: string | null };

const SUMMARY = { id: true, displayName: true, aadObjectId: true, role: true, locale: true } as const;
/** SUMMARY's columns, for the statements on the pool. */
const SUMMARY_COLUMNS = `m."id", m."displayName", m."aadObjectId", m."role"::text AS "role", m."locale"`;

export class MemberRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly turnStart: TurnStartRepository,
    private readonly sql: HotSql,
  ) {}

  async byId(id: string): Promise<MemberSummary | null> {
    return this.prisma.member.findFirst({ where: { id, active: true }, select: SUMMARY });
  }

  /** The school's référents décrochage (GPDS). */
  async referentsOf(schoolId: string): Promise<MemberSummary[]> {
    // Asked for every new report (routing): on the pool (hot-sql.ts).
    return this.sql.rows<MemberSummary>(
      "member_referents_of",
      `SELECT ${SUMMARY_COLUMNS}
         FROM "Member" m
        WHERE m."active" AND m."role" = 'REFERENT' AND EXISTS (SELECT 1 FROM "MemberSchool" ms WHERE ms."memberId" = m."id" AND ms."schoolId" = $1)
        ORDER BY m."displayName", m."id"`,
      [schoolId],
    );
  }

  /** The MLDS coordinators of a district. */
  async coordinatorsOf(districtId: string): Promise<MemberSummary[]> {
    return this.prisma.member.findMany({ where: { role: "COORDINATOR", active: true, districtId }, select: SUMMARY, orderBy: { displayName: "asc" } });
  }

  /** People a case can be assigned to, in one statement: the district's coordinators, then the
   *  school's référents (each by name), as coordinatorsOf + referentsOf would list them. */
  async assigneesOf(districtId: string, schoolId: string): Promise<MemberSummary[]> {
    // Read twice by every triage action (the choice, then the card): on the pool (hot-sql.ts).
    return this.sql.rows<MemberSummary>(
      "member_assignees",
      `SELECT ${SUMMARY_COLUMNS}
         FROM "Member" m
        WHERE m."active" AND ((m."role" = 'COORDINATOR' AND m."districtId" = $1)
           OR (m."role" = 'REFERENT' AND EXISTS (SELECT 1 FROM "MemberSchool" ms WHERE ms."memberId" = m."id" AND ms."schoolId" = $2)))
        ORDER BY m."role" = 'REFERENT', m."displayName"`,
      [districtId, schoolId],
    );
  }

  /** Who is talking (turns read it with their first statement: store/turn-start.ts). */
  findByAad(tenantId: string, aadObjectId: string): Promise<MemberRecord | null> {
    return this.turnStart.member(tenantId, aadObjectId);
  }

}
