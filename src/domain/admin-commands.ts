import { normalizeText } from "./text.js";
import type { MldsAccess } from "./permissions.js";
import { isFamilyNoticeCommand, parseAcademySettingCommand, type AdminSettingCommand } from "./family-notice.js";

/** Administration commands of the académie (routing channels, failed sends). Separate from the
 *  everyday queries: only admins use them, mostly from a team channel. Pure, never throws. */
export type AdminCommand =
  | { kind: "routeDistrictHere"; districtCode: string }
  | { kind: "routeFallbackHere" }
  | { kind: "failedSends" }
  | { kind: "requeueFailedSends" }
  | { kind: "setMldsAccess"; districtCode: string; access: MldsAccess }
  | AdminSettingCommand
  /** `notice famille`: the information notice for families (any member). */
  | { kind: "familyNotice" };

/** « bassin NORD accès MLDS immédiat | urgent | orientation »: when the bassin's coordinators may act
 *  before the school's GPDS decides (at once; when urgent or out of school; only on referral). */
const ACCESS_WORDS: Record<string, MldsAccess> = {
  immediat: "IMMEDIATE",
  immediate: "IMMEDIATE",
  urgent: "URGENT_OR_OUT_OF_SCHOOL",
  orientation: "ON_REFERRAL_ONLY",
  referral: "ON_REFERRAL_ONLY",
};

const DISTRICT_CODE = /^[a-z0-9_-]{1,20}$/;

export function parseAdminCommand(input: string): AdminCommand | null {
  if (typeof input !== "string") return null;
  // `académie <setting> <text>`: texts up to 1000 characters, checked before the short commands.
  const setting = parseAcademySettingCommand(input);
  if (setting) return setting;
  if (isFamilyNoticeCommand(input)) return { kind: "familyNotice" };
  if (input.length > 200) return null;
  const words = normalizeText(input.replace(/<at>.*?<\/at>/g, " "))
    .split(" ")
    .filter(Boolean);
  const text = words.join(" ");
  if (["envois en echec", "failed sends", "envois echoues"].includes(text)) return { kind: "failedSends" };
  if (["renvoyer les envois en echec", "renvoyer envois en echec", "requeue failed sends", "resend failed sends"].includes(text))
    return { kind: "requeueFailedSends" };
  // "bassin NORD accès MLDS urgent" / "district NORD mlds access immediate"
  if ((words[0] === "bassin" || words[0] === "district") && words.length === 5) {
    const [, code, w2, w3, w4] = words as [string, string, string, string, string];
    const fr = w2 === "acces" && w3 === "mlds";
    const en = w2 === "mlds" && w3 === "access";
    const access = ACCESS_WORDS[w4];
    if ((fr || en) && access && DISTRICT_CODE.test(code)) return { kind: "setMldsAccess", districtCode: code.toUpperCase(), access };
    return null;
  }
  // "canal mlds NORD" / "route here NORD"; "canal academie" / "route here fallback"
  let rest: string[] | null = null;
  if (words[0] === "canal" && (words[1] === "mlds" || words[1] === "academie")) rest = words[1] === "academie" ? ["academie"] : words.slice(2);
  else if (words[0] === "route" && words[1] === "here") rest = words.slice(2);
  if (!rest || rest.length !== 1) return null;
  const target = rest[0]!;
  if (target === "academie" || target === "fallback" || target === "academy") return { kind: "routeFallbackHere" };
  return DISTRICT_CODE.test(target) ? { kind: "routeDistrictHere", districtCode: target.toUpperCase() } : null;
}
