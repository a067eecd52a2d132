import { z } from "zod";

/**
 * Roles of a member, the same values, in the same order, as the Prisma enum Role. Ordered by where
 * the person works, from the school to the académie:
 * - STAFF: teachers (professeur, professeur principal, PLP, documentaliste) and other school staff (AED…);
 * - CPE: conseiller principal d'éducation;
 * - HEAD: chef d'établissement and adjoint (principal, proviseur, directeur d'EREA);
 * - REFERENT: référent décrochage scolaire (RDS);
 * - PSYEN: psychologue de l'Éducation nationale;
 * - SOCIAL_WORKER: assistant(e) de service social;
 * - NURSE: infirmier(ère) de l'Éducation nationale;
 * - COORDINATOR: coordonnateur MLDS (bassin);
 * - IEN_IO: inspecteur de l'Éducation nationale chargé de l'information et de l'orientation (bassin);
 * - DSDEN: DASEN and their services (département);
 * - ADMIN: SAIO / académie administrator.
 */
export const ROLES = ["STAFF", "CPE", "HEAD", "REFERENT", "PSYEN", "SOCIAL_WORKER", "NURSE", "COORDINATOR", "IEN_IO", "DSDEN", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES);

export function isRole(x: unknown): x is Role {
  return typeof x === "string" && (ROLES as readonly string[]).includes(x);
}

/** The level a member of each role is attached to: what the directory's rattachement column must
 *  name (a UAI, a bassin code, a département code, or nothing for the académie). */
export const ROLE_ATTACHMENTS = ["SCHOOL", "DISTRICT", "DEPARTMENT", "ACADEMY"] as const;
export type RoleAttachment = (typeof ROLE_ATTACHMENTS)[number];

export const ROLE_ATTACHMENT: Readonly<Record<Role, RoleAttachment>> = {
  STAFF: "SCHOOL",
  CPE: "SCHOOL",
  HEAD: "SCHOOL",
  REFERENT: "SCHOOL",
  PSYEN: "SCHOOL",
  SOCIAL_WORKER: "SCHOOL",
  NURSE: "SCHOOL",
  COORDINATOR: "DISTRICT",
  IEN_IO: "DISTRICT",
  DSDEN: "DEPARTMENT",
  ADMIN: "ACADEMY",
};

export function attachmentOf(role: Role): RoleAttachment {
  return ROLE_ATTACHMENT[role];
}

/** The members of a school's GPDS besides its référent and its chef d'établissement, who chairs it. */
export const GPDS_MEMBER_ROLES = ["CPE", "PSYEN", "SOCIAL_WORKER", "NURSE"] as const satisfies readonly Role[];

/**
 * The bassin's roles that work with the MLDS. An under-16 case that the school has not sent to the
 * MLDS stays with the school's GPDS: these roles do not see it (permissions.staysWithSchool).
 */
export const BASSIN_ROLES = ["COORDINATOR", "IEN_IO"] as const satisfies readonly Role[];

export function isBassinRole(role: Role): boolean {
  return (BASSIN_ROLES as readonly Role[]).includes(role);
}
