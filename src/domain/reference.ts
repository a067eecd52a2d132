/** Human case references: "D-2026-0042" (year, then a yearly number of at least four digits). */

export const REFERENCE_PATTERN = /\bD-(\d{4})-(\d{1,6})\b/i;

export function formatReference(year: number, n: number): string {
  return `D-${year}-${String(n).padStart(4, "0")}`;
}

export function parseReference(text: string): { year: number; number: number } | null {
  const m = /^\s*D-(\d{4})-(\d{1,6})\s*$/i.exec(text);
  if (!m) return null;
  const number = Number(m[2]);
  return number > 0 ? { year: Number(m[1]), number } : null;
}
