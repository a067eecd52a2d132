import { ROLE_ATTACHMENT, type Role } from "../roles.js";
import { placeKey, type DirectoryPerson, type PersonAttachment } from "./people.js";

/**
 * What importing a new full staff list would change, compared with the members the académie has:
 * who to create, who to update (role or place changed, or back on the list after being
 * deactivated), who is unchanged, and who is missing from the list. Missing members are proposed
 * for deactivation, never deleted: their cases and history stay, and their cases must be handed
 * over first. People are recognised by their e-mail (or UPN), compared without case.
 */

/** A member as the store knows them, as plain data. */
export type CurrentMember = {
  id: string;
  email: string | null;
  role: Role;
  active: boolean;
  /** UAIs of the member's schools (school roles). */
  schoolUais: readonly string[];
  /** The member's bassin code (bassin roles). */
  districtCode: string | null;
  /** The member's département code, in the ministry's form ("069") (DSDEN). */
  departmentCode: string | null;
};

export const MEMBER_CHANGES = ["ROLE", "PLACE", "REACTIVATE"] as const;
export type MemberChange = (typeof MEMBER_CHANGES)[number];

export type MemberChanges = {
  toCreate: DirectoryPerson[];
  toUpdate: { person: DirectoryPerson; memberId: string; changes: MemberChange[] }[];
  unchanged: { person: DirectoryPerson; memberId: string }[];
  /** Active members with an e-mail that the list does not name: to propose for deactivation. */
  missing: CurrentMember[];
  /** Active members without an e-mail (enrolled from Teams before any list): a list cannot name
   *  them, so they are neither matched nor proposed for deactivation; shown for the admin to check. */
  withoutEmail: CurrentMember[];
};

/** Where a member sits, in the form of the list's rattachement, for their role. */
export function attachmentOfMember(m: CurrentMember): PersonAttachment | null {
  switch (ROLE_ATTACHMENT[m.role]) {
    case "SCHOOL":
      return { kind: "SCHOOL", uais: [...m.schoolUais] };
    case "DISTRICT":
      return m.districtCode === null ? null : { kind: "DISTRICT", bassinCode: m.districtCode };
    case "DEPARTMENT":
      return m.departmentCode === null ? null : { kind: "DEPARTMENT", departmentCode: m.departmentCode };
    case "ACADEMY":
      return { kind: "ACADEMY" };
  }
}

const emailKey = (email: string) => email.trim().toLowerCase();

export function compareMembers(people: readonly DirectoryPerson[], current: readonly CurrentMember[]): MemberChanges {
  // One member per e-mail: an active one rather than a deactivated one, else the first.
  const byEmail = new Map<string, CurrentMember>();
  for (const m of current) {
    if (m.email === null || m.email.trim() === "") continue;
    const key = emailKey(m.email);
    const held = byEmail.get(key);
    if (!held || (!held.active && m.active)) byEmail.set(key, m);
  }
  const changes: MemberChanges = { toCreate: [], toUpdate: [], unchanged: [], missing: [], withoutEmail: [] };
  const matched = new Set<string>();
  for (const person of people) {
    const member = byEmail.get(emailKey(person.email));
    if (!member) {
      changes.toCreate.push(person);
      continue;
    }
    matched.add(member.id);
    const found: MemberChange[] = [];
    if (member.role !== person.role) found.push("ROLE");
    const place = attachmentOfMember(member);
    if (place === null || placeKey(place) !== placeKey(person.attachment)) found.push("PLACE");
    if (!member.active) found.push("REACTIVATE");
    if (found.length === 0) changes.unchanged.push({ person, memberId: member.id });
    else changes.toUpdate.push({ person, memberId: member.id, changes: found });
  }
  for (const m of current) {
    if (!m.active || matched.has(m.id)) continue;
    if (m.email === null || m.email.trim() === "") changes.withoutEmail.push(m);
    else changes.missing.push(m);
  }
  return changes;
}
