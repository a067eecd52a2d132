import { z } from "zod";

/** Roles of a member, the same values as the Prisma enum Role. */
export const ROLES = ["STAFF", "REFERENT", "COORDINATOR", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES);

export function isRole(x: unknown): x is Role {
  return typeof x === "string" && (ROLES as readonly string[]).includes(x);
}
