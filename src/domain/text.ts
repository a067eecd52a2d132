// Text helpers shared by name matching and the chat query parser.

const COMBINING_MARKS = /\p{M}+/gu;
// Zero-width and other invisible format characters sneak in through copy-paste from Teams or Office.
const FORMAT_CHARACTERS = /\p{Cf}+/gu;
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u02BC\u2032]/g;
const WHITESPACE_RUNS = /\s+/g;
// NFKD does not split these French ligatures, yet people type "Coeur" and "Cœur" for the same name.
const LIGATURES: Readonly<Record<string, string>> = { œ: "oe", æ: "ae" };

/**
 * Lower-cased, accent-free, single-spaced form of a text, used to compare what people type.
 * Hyphens are kept because they are part of compound names ("Dupont-Martin").
 */
export function normalizeText(s: string): string {
  // Lower-casing can itself produce combining marks (e.g. "İ"), and compatibility decomposition can
  // produce capitals (e.g. "ℌ"), so decompose and lower-case twice to reach a stable form.
  return s
    .normalize("NFKD")
    .toLowerCase()
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .replace(FORMAT_CHARACTERS, "")
    .replace(/[œæ]/g, (c) => LIGATURES[c] ?? c)
    .replace(TYPOGRAPHIC_APOSTROPHES, "'")
    .replace(WHITESPACE_RUNS, " ")
    .trim();
}

/** The plain apostrophe for the typographic ones (’ ʼ ‘ ′) that phones and word processors type,
 *  so that a name is stored in one form. */
export function foldApostrophes(s: string): string {
  return s.replace(TYPOGRAPHIC_APOSTROPHES, "'");
}

/** The words of a name as they are compared: normalised, apostrophes dropped ("N'Diaye" and
 *  "Ndiaye"), hyphens and spaces alike ("Lefèvre-Nguyen" and "Lefèvre Nguyen"). */
export function nameWords(s: string): string[] {
  return normalizeText(s)
    .replace(/'/g, "")
    .split(/[\s-]+/)
    .filter((w) => w !== "");
}

/**
 * Key that identifies the same pupil whatever the case, accents, spacing, hyphens or apostrophes
 * of the typed name: "last first" as `nameWords`. Stored keys were brought to this form by the
 * migration 20261206090000_name_key_fold (the same folding, in SQL, of the former key).
 */
export function nameKey(lastName: string, firstName: string): string {
  return nameWords(`${lastName} ${firstName}`).join(" ");
}

/**
 * Initials for channel cards, where the full name must not appear: ("Léa", "Dupont") -> "L. D.",
 * ("Jean-Marc", "Dupont") -> "J.-M. D.". Several words in one part give several initials.
 */
export function initials(firstName: string, lastName: string): string {
  return [firstName, lastName]
    .flatMap((part) => part.normalize("NFC").trim().split(/\s+/))
    .map(wordInitials)
    .filter((w) => w !== "")
    .join(" ");
}

function wordInitials(word: string): string {
  return word
    .split("-")
    .map((piece) => firstLetter(piece))
    .filter((letter) => letter !== "")
    .map((letter) => `${letter.toUpperCase()}.`)
    .join("-");
}

function firstLetter(piece: string): string {
  // Skip leading punctuation such as the apostrophe of "'t Hooft" or stray dots.
  const match = /[\p{L}\p{N}]/u.exec(piece);
  return match ? match[0] : "";
}

/** Classic Levenshtein distance (insertions, deletions, substitutions), counted in code points. */
export function levenshtein(a: string, b: string): number {
  return editDistance(Array.from(a), Array.from(b), false);
}

/**
 * Edit distance where swapping two adjacent letters also costs 1 (optimal string alignment).
 * This is the distance used for typo tolerance: "stauts" is one slip away from "status".
 */
export function typoDistance(a: string, b: string): number {
  return editDistance(Array.from(a), Array.from(b), true);
}

function editDistance(a: string[], b: string[], transpositions: boolean): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows are enough: the current one, the previous one, and the one before for swaps.
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (transpositions && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
