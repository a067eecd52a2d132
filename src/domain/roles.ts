export const ROLES = ["STAFF", "REFERENT", "COORDINATOR", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];
