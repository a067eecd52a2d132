// Human case references such as "D-2026-0042": the year, then a yearly counter.

const MIN_DIGITS = 4;
// Nine digits keep the number a safe integer and stop pasted serial numbers from looking like references.
const MAX_DIGITS = 9;

/** Finds a reference inside a sentence. Not global, so it keeps no lastIndex state between calls. */
export const REFERENCE_PATTERN = new RegExp(`\\bD-(\\d{4})-(\\d{1,${MAX_DIGITS}})\\b`, "i");

const WHOLE_REFERENCE = new RegExp(`^D-(\\d{4})-(\\d{1,${MAX_DIGITS}})$`, "i");

export function formatReference(year: number, n: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new RangeError(`Reference year must have four digits: ${year}`);
  }
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Reference number must be a positive integer: ${n}`);
  }
  return `D-${year}-${String(n).padStart(MIN_DIGITS, "0")}`;
}

/** Reads a reference typed by a person ("d-2026-42", " D-2026-0042 "); null when it is not one. */
export function parseReference(text: string): { year: number; number: number } | null {
  const match = WHOLE_REFERENCE.exec(text.trim());
  if (!match) return null;
  const year = Number(match[1]);
  const number = Number(match[2]);
  if (year < 1000 || number < 1) return null;
  return { year, number };
}

/** The canonical spelling of a typed reference, or null. */
export function normalizeReference(text: string): string | null {
  const parsed = parseReference(text);
  return parsed ? formatReference(parsed.year, parsed.number) : null;
}

/** The first reference mentioned in a text, in canonical spelling, or null. */
export function findReference(text: string): string | null {
  const match = REFERENCE_PATTERN.exec(text);
  return match ? normalizeReference(match[0]) : null;
}
