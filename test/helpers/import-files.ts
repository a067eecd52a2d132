import iconv from "iconv-lite";

/** CSV files as the MLDS receives them at the rentrée (SIEI/RIO exports, schools' spreadsheets). */

export const LIST_HEADER = [
  "Nom",
  "Prénom",
  "Date de naissance",
  "INE",
  "Dernier établissement (UAI)",
  "Dernière formation",
  "Date de sortie",
  "Motif",
  "Téléphone",
];

export type ListRow = {
  nom: string;
  prenom: string;
  naissance: string;
  ine?: string;
  uai: string;
  formation?: string;
  sortie?: string;
  motif?: string;
  telephone?: string;
};

export function listRow(r: ListRow): string[] {
  return [r.nom, r.prenom, r.naissance, r.ine ?? "", r.uai, r.formation ?? "", r.sortie ?? "", r.motif ?? "", r.telephone ?? ""];
}

export function csvText(rows: string[][], opts: { header?: string[]; separator?: string; eol?: string } = {}): string {
  const sep = opts.separator ?? ";";
  const quote = (v: string) => (v.includes(sep) || v.includes('"') || v.includes("\n") ? `"${v.replace(/"/g, '""')}"` : v);
  return [opts.header ?? LIST_HEADER, ...rows].map((r) => r.map(quote).join(sep)).join(opts.eol ?? "\r\n") + (opts.eol ?? "\r\n");
}

export function csvBytes(
  rows: string[][],
  opts: { header?: string[]; separator?: string; eol?: string; encoding?: "utf-8" | "utf-8-bom" | "windows-1252" } = {},
): Uint8Array {
  const text = csvText(rows, opts);
  switch (opts.encoding ?? "utf-8") {
    case "utf-8":
      return Buffer.from(text, "utf8");
    case "utf-8-bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    case "windows-1252":
      return iconv.encode(text, "win1252");
  }
}

const LAST_NAMES = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefèvre",
  "Michel",
  "Garcia",
  "Bonnet",
  "Fontaine",
  "Rousseau",
  "Vincent",
  "Müller",
];
const FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Lucas", "Inès", "Nathan", "Manon", "Enzo", "Camille", "Théo", "Zoé", "Noé", "Anaïs", "Maël", "Jade", "Louis"];
const MOTIFS = ["non affecté", "abandon en cours d'année", "rupture de contrat d'apprentissage", "échec au CAP", "démission", "sans solution"];

/** n distinct young people spread over the given schools; names are made unique with a suffix. */
export function generatedList(n: number, uais: readonly string[], opts: { withIne?: boolean } = {}): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const day = String((i % 28) + 1).padStart(2, "0");
    const month = String((i % 12) + 1).padStart(2, "0");
    const year = 2006 + (i % 6); // 14 to 20 at the rentrée 2026
    rows.push(
      listRow({
        nom: `${LAST_NAMES[i % LAST_NAMES.length]}-${suffix(i)}`,
        prenom: FIRST_NAMES[i % FIRST_NAMES.length]!,
        naissance: `${day}/${month}/${year}`,
        ...(opts.withIne
          ? { ine: `${String(100000000 + i).padStart(9, "0")}${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + ((i >> 3) % 26))}` }
          : {}),
        uai: uais[i % uais.length]!,
        formation: i % 2 ? "2nde GT" : "CAP Cuisine 1re année",
        sortie: `30/06/2026`,
        motif: MOTIFS[i % MOTIFS.length]!,
        telephone: `06 12 34 ${String(i % 100).padStart(2, "0")} 00`,
      }),
    );
  }
  return rows;
}

/** Letters only (names may not hold digits): 0 -> "a", 25 -> "z", 26 -> "ba"… */
function suffix(i: number): string {
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}
