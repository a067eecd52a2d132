/**
 * The UAI (formerly RNE) of a school: 7 digits and a check letter. The letter is the 7-digit number
 * modulo 23, read in the alphabet without I, O and Q (the algorithm of the ministry's directory, as
 * mission-apprentissage/catalogue-apprentissage server/src/common/utils/uaiUtils.js implements it;
 * checked on published UAIs such as 0010001W, 0040533H, 0881529J, 6200088B, 0752529S).
 * The first three digits are the département (620 and 720 for Corse-du-Sud and Haute-Corse).
 */

export const UAI_CHECK_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ";

const UAI_SHAPE = /^[0-9]{7}[A-Z]$/;

/** The check letter of 7 digits. */
export function uaiCheckLetter(digits: string): string {
  if (!/^[0-9]{7}$/.test(digits)) throw new Error("a UAI has 7 digits before its letter");
  return UAI_CHECK_ALPHABET[Number(digits) % 23]!;
}

/** What someone typed, as a UAI would be written: no spaces, capitals ("0690001b " -> "0690001B"). */
export function uaiForm(text: string): string {
  return text.replace(/\s+/g, "").toUpperCase();
}

/** Looks like a UAI (7 digits and a letter), whatever its check letter. */
export function looksLikeUai(text: string): boolean {
  return UAI_SHAPE.test(uaiForm(text));
}

export type UaiCheck = { ok: true; uai: string } | { ok: false; code: "INVALID_UAI" | "UAI_CHECK_LETTER" };

/** A UAI as the directory must hold it: the shape, then the check letter (a mistyped digit or
 *  letter is caught here instead of creating a school that does not exist). */
export function checkUai(text: string): UaiCheck {
  const uai = uaiForm(text);
  if (!UAI_SHAPE.test(uai)) return { ok: false, code: "INVALID_UAI" };
  if (uaiCheckLetter(uai.slice(0, 7)) !== uai[7]) return { ok: false, code: "UAI_CHECK_LETTER" };
  return { ok: true, uai };
}

/** The département of a UAI, in the ministry's three-character form ("069", "02A", "971"). */
export function departmentOfUai(uai: string): string {
  const prefix = uai.slice(0, 3);
  if (prefix === "620") return "02A";
  if (prefix === "720") return "02B";
  return prefix;
}

/**
 * A département code in the ministry's three-character form, from what files and people write:
 * "69", "069", "2A", "02A", "971". Null when it is not one.
 */
export function departmentCode(text: string): string | null {
  const s = text.replace(/\s+/g, "").toUpperCase();
  if (/^[0-9]{1,3}$/.test(s)) {
    const n = Number(s);
    // Metropolitan 01-95 (20 became 2A and 2B), overseas 971-989.
    return (n >= 1 && n <= 95 && n !== 20) || (n >= 971 && n <= 989) ? String(n).padStart(3, "0") : null;
  }
  const corsica = /^0?2([AB])$/.exec(s);
  return corsica ? `02${corsica[1]}` : null;
}
