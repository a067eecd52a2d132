/** Text normalisation for matching names and commands: case, accents and spacing do not matter. */

export function normalizeText(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[’`]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

export function nameKey(lastName: string, firstName: string): string {
  return normalizeText(`${lastName} ${firstName}`);
}

/** "Léa", "Dupont" -> "L. D."; "Jean-Marc" -> "J.-M.". */
export function initials(firstName: string, lastName: string): string {
  const one = (name: string) =>
    name
      .trim()
      .split("-")
      .filter(Boolean)
      .map((part) => `${part.trim().charAt(0).toUpperCase()}.`)
      .join("-");
  return [firstName, lastName].map(one).filter(Boolean).join(" ");
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
