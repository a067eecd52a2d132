import type { Role } from "../roles.js";
import { normalizeText } from "../text.js";

/**
 * The one table from a function, as an académie's staff list writes it, to a role of Repère.
 * Spellings are compared in the form of functionKey(): case, accents, hyphens, apostrophes,
 * parentheses, inclusive and feminine forms and filler words do not matter ("Conseillère
 * principale d'éducation", "CONSEILLER PRINCIPAL D EDUCATION", "infirmier(ère)", "assistant·e
 * social·e"). A function may say more than an entry ("Professeur de mathématiques", "PLP lettres-
 * histoire", "CPE stagiaire"): the longest entry the function starts with, word for word, decides.
 * A function no entry starts with is unknown: an error of the file, never a guess.
 */
export const FUNCTION_ROLES: Readonly<Record<Role, readonly string[]>> = {
  STAFF: [
    "professeur",
    "professeur principal",
    "professeur certifié",
    "professeur agrégé",
    "professeur de lycée professionnel",
    "PLP",
    "professeur documentaliste",
    "documentaliste",
    "professeur des écoles",
    "enseignant",
    "enseignant spécialisé",
    "AED",
    "assistant d'éducation",
    "assistant pédagogique",
    "surveillant",
    "AESH",
    "accompagnant d'élèves en situation de handicap",
    "adjoint gestionnaire",
    "gestionnaire",
    "secrétaire",
    "DDFPT",
    "directeur délégué aux formations professionnelles et technologiques",
    "directeur délégué aux formations",
  ],
  CPE: ["CPE", "conseiller principal d'éducation"],
  HEAD: [
    "principal",
    "principal adjoint",
    "proviseur",
    "proviseur adjoint",
    "proviseur vie scolaire",
    "chef d'établissement",
    "chef d'établissement adjoint",
    "adjoint au chef d'établissement",
    "personnel de direction",
    // The head of an EREA is its directeur; an EREA's adjoint is a directeur adjoint.
    "directeur",
    "directeur adjoint",
    "directeur d'EREA",
  ],
  REFERENT: ["référent décrochage", "référent décrochage scolaire", "référent de décrochage scolaire", "RDS", "référent prévention du décrochage"],
  PSYEN: [
    "psychologue de l'éducation nationale",
    "psychologue éducation nationale",
    "psychologue",
    "PSY-EN",
    "PsyEN",
    "PsyEN EDO",
    "PsyEN EDA",
    "COP",
    "conseiller d'orientation psychologue",
    // A CIO's directeur is a psychologue de l'Éducation nationale.
    "directeur de CIO",
    "directeur du centre d'information et d'orientation",
  ],
  SOCIAL_WORKER: ["assistant social", "assistant de service social", "assistant sociale scolaire", "ASS", "ASSS"],
  NURSE: ["infirmier", "infirmier scolaire", "infirmier de l'éducation nationale"],
  COORDINATOR: [
    "coordonnateur MLDS",
    "coordinateur MLDS",
    "coordonnateur de la MLDS",
    "coordonnateur mission de lutte contre le décrochage scolaire",
    "coordonnateur de la mission de lutte contre le décrochage scolaire",
    "coordonnateur départemental MLDS",
    "coordonnateur de bassin MLDS",
  ],
  IEN_IO: [
    "IEN-IO",
    "IEN IO",
    "IENIO",
    "IEN information et orientation",
    "IEN chargé de l'information et de l'orientation",
    "inspecteur de l'éducation nationale information et orientation",
    "inspecteur de l'éducation nationale chargé de l'information et de l'orientation",
  ],
  DSDEN: [
    "DASEN",
    "IA-DASEN",
    "DAASEN",
    "IA-DAASEN",
    "inspecteur d'académie",
    "directeur académique des services de l'éducation nationale",
    "directeur académique adjoint des services de l'éducation nationale",
    "directeur académique",
    "DSDEN",
    // The DASEN's conseillers techniques (service social, infirmier) work for the département.
    "conseiller technique",
    "conseiller technique de service social",
    "conseiller technique du DASEN",
    "infirmier conseiller technique",
    "assistant social conseiller technique",
    "chargé de mission absentéisme",
  ],
  ADMIN: [
    "SAIO",
    "CSAIO",
    "chef du SAIO",
    "chef de service académique d'information et d'orientation",
    "DRAIO",
    "administrateur",
    "administrateur Repère",
    "administrateur de l'application",
    "administrateur académique",
  ],
};

/** Entries that must be the whole function: "administrateur réseau" is a school's IT technician,
 *  not an administrator of the académie. */
const WHOLE_FUNCTION_ONLY = new Set(["administrateur"]);

// Feminine and inclusive endings that change a word's spelling, by the masculine it stands for.
const FEMININE: Readonly<Record<string, string>> = {
  professeure: "professeur",
  enseignante: "enseignant",
  conseillere: "conseiller",
  principale: "principal",
  adjointe: "adjoint",
  proviseure: "proviseur",
  directrice: "directeur",
  deleguee: "delegue",
  cheffe: "chef",
  referente: "referent",
  assistante: "assistant",
  sociale: "social",
  infirmiere: "infirmier",
  coordonnatrice: "coordonnateur",
  coordinatrice: "coordinateur",
  inspectrice: "inspecteur",
  administratrice: "administrateur",
  surveillante: "surveillant",
  accompagnante: "accompagnant",
  secretaire: "secretaire",
  chargee: "charge",
  departementale: "departemental",
  certifiee: "certifie",
  agregee: "agrege",
  specialisee: "specialise",
  academique: "academique",
};

const FILLER = new Set(["de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "aux", "en", "et", "pour", "chez"]);

/** The comparable form of a function: "Conseillère principale d'éducation" -> "conseiller principal education",
 *  "Infirmier(ère)" -> "infirmier", "PSY-EN" -> "psy en", "Assistant·e social·e" -> "assistant social". */
export function functionKey(text: string): string {
  return normalizeText(text)
    .replace(/\([^)]*\)/g, " ") // "infirmier(ere)", "(RDS)"
    .replace(/[·•.](?:e|ere|euse|rice|trice|le|ne|te|se)s?\b/g, "") // "infirmier·ere", "assistant.e"
    .replace(/[^a-z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter((w) => w !== "" && !FILLER.has(w))
    .map((w) => FEMININE[w] ?? w)
    .join(" ");
}

type Entry = { words: string[]; role: Role; whole: boolean };

const ENTRIES: readonly Entry[] = (() => {
  const entries: Entry[] = [];
  const seen = new Map<string, Role>();
  for (const role of Object.keys(FUNCTION_ROLES) as Role[]) {
    for (const spelling of FUNCTION_ROLES[role]) {
      const key = functionKey(spelling);
      const other = seen.get(key);
      if (other !== undefined && other !== role) throw new Error(`function "${spelling}" is listed for ${other} and ${role}`);
      seen.set(key, role);
      entries.push({ words: key.split(" "), role, whole: WHOLE_FUNCTION_ONLY.has(key) });
    }
  }
  // Longest first: "infirmier conseiller technique" before "infirmier".
  return entries.sort((a, b) => b.words.length - a.words.length);
})();

/** The role a function stands for, or null when the table does not know it. */
export function roleOfFunction(text: string): Role | null {
  const words = functionKey(text)
    .split(" ")
    .filter((w) => w !== "");
  if (words.length === 0) return null;
  for (const entry of ENTRIES) {
    if (entry.whole && entry.words.length !== words.length) continue;
    if (entry.words.length <= words.length && entry.words.every((w, i) => words[i] === w)) return entry.role;
  }
  return null;
}
