import { z } from "zod";
import { can } from "../domain/permissions.js";
import { ACADEMY_SETTING_KEYS, ACADEMY_SETTING_MAX, familyNoticeHtml, type AcademySettingKey, type AcademySettings } from "../domain/family-notice.js";
import { safeText } from "../domain/safe-text.js";
import type { Store } from "../store/index.js";
import type { Actor } from "./members.js";
import { DOWNLOAD_PREFIX, type LinkCheck, type SignedLinks } from "./signed-links.js";

/** The notice's download path: it names no one, and is built from the settings when downloaded. */
export const FAMILY_NOTICE_PATH = `${DOWNLOAD_PREFIX}notice/information-familles.html`;
/** A day: long enough to print it or send it to a family the same day. */
export const FAMILY_NOTICE_LINK_TTL_MS = 24 * 60 * 60_000;

const settingValue = safeText({ max: ACADEMY_SETTING_MAX, min: 1, lines: true });

/**
 * The information notice for families: the académie's admins set what it says (controller,
 * purpose, recipients, retention, rights, DPO contact: CONFIGURE_ACADEMY); any member of the
 * directory asks for it (`notice famille`) and gets a signed link to the page, built from the
 * settings when downloaded.
 */
export class FamilyNoticeService {
  constructor(
    private readonly store: Store,
    private readonly links: SignedLinks,
  ) {}

  async settings(): Promise<AcademySettings> {
    const all = await this.store.academySettings.all();
    return Object.fromEntries(ACADEMY_SETTING_KEYS.filter((k) => all[k] !== undefined).map((k) => [k, all[k]!])) as AcademySettings;
  }

  async setSetting(actor: Actor, key: AcademySettingKey, value: unknown): Promise<{ ok: true } | { ok: false; reason: "FORBIDDEN" | "INVALID_INPUT" }> {
    if (!can({ memberId: actor.memberId, role: actor.role, schoolIds: actor.schoolIds, districtId: actor.districtId }, "CONFIGURE_ACADEMY", null))
      return { ok: false, reason: "FORBIDDEN" };
    const parsedKey = z.enum(ACADEMY_SETTING_KEYS).safeParse(key);
    const parsed = settingValue.safeParse(value);
    if (!parsedKey.success || !parsed.success) return { ok: false, reason: "INVALID_INPUT" };
    await this.store.academySettings.set(parsedKey.data, parsed.data, actor.memberId);
    return { ok: true };
  }

  /** A signed link to the notice, for any member of the directory. */
  link(actor: Actor | null): { ok: true; url: string } | { ok: false; reason: "FORBIDDEN" } {
    if (!actor) return { ok: false, reason: "FORBIDDEN" };
    return { ok: true, url: this.links.url(FAMILY_NOTICE_PATH, FAMILY_NOTICE_LINK_TTL_MS) };
  }

  /** Serves the notice's link: the page as the settings are now. */
  async download(
    path: string,
    exp: unknown,
    sig: unknown,
  ): Promise<{ ok: true; html: string; fileName: string } | { ok: false; reason: Exclude<LinkCheck, "VALID"> }> {
    if (path !== FAMILY_NOTICE_PATH) return { ok: false, reason: "INVALID" };
    const check = this.links.check(path, exp, sig);
    if (check !== "VALID") return { ok: false, reason: check };
    return { ok: true, html: familyNoticeHtml(await this.settings()), fileName: "information-familles.html" };
  }
}
