import type { Actor as PermissionActor } from "../domain/permissions.js";
import { isRole } from "../domain/roles.js";
import type { DataExportRecord, Store } from "../store/index.js";
import type { LinkCheck, SignedLinks } from "./signed-links.js";

export type ExportLinkFailure = Exclude<LinkCheck, "VALID"> | "FORBIDDEN" | "NOT_FOUND";

/**
 * The audited export (DataExport) that a signed download link names, and who asked for it as they
 * are now: an active member with a known role. The file is then built within that member's rights
 * at the moment of the download, never those they had when they asked.
 */
export async function exportOfLink(
  store: Store,
  links: SignedLinks,
  pattern: RegExp,
  path: string,
  exp: unknown,
  sig: unknown,
): Promise<{ ok: true; record: DataExportRecord; who: PermissionActor } | { ok: false; reason: ExportLinkFailure }> {
  const m = pattern.exec(path);
  if (!m) return { ok: false, reason: "INVALID" };
  const check = links.check(path, exp, sig);
  if (check !== "VALID") return { ok: false, reason: check };
  const record = await store.statistics.export(m[1]!);
  if (!record) return { ok: false, reason: "NOT_FOUND" };
  const member = await store.statistics.actor(record.memberId);
  if (!member || !member.active || !isRole(member.role)) return { ok: false, reason: "FORBIDDEN" };
  return {
    ok: true,
    record,
    who: { memberId: member.id, role: member.role, schoolIds: member.schoolIds, districtId: member.districtId, departmentCode: member.departmentCode },
  };
}
