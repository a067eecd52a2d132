// Directory files of any size in the real column layouts, for tests and benchmarks: an extract of
// the ministry's school directory (« Annuaire de l'éducation », or « Adresse et géolocalisation des
// établissements »), a bassins file and an académie staff list. Deterministic from a seed.

import { UAI_CHECK_ALPHABET } from "../../src/domain/directory/uai.js";
import type { SchoolKind } from "../../src/domain/directory/schools.js";
import type { Role } from "../../src/domain/roles.js";

/** The 69 columns of the « Annuaire de l'éducation » CSV export with labels as headers. */
export const ANNUAIRE_HEADER = [
  "Identifiant_de_l_etablissement",
  "Nom_etablissement",
  "Type_etablissement",
  "Statut_public_prive",
  "Adresse_1",
  "Adresse_2",
  "Adresse_3",
  "Code_postal",
  "Code_commune",
  "Nom_commune",
  "Code_departement",
  "Code_academie",
  "Code_region",
  "Ecole_maternelle",
  "Ecole_elementaire",
  "Voie_generale",
  "Voie_technologique",
  "Voie_professionnelle",
  "Telephone",
  "Fax",
  "Web",
  "Mail",
  "Restauration",
  "Hebergement",
  "ULIS",
  "Apprentissage",
  "Segpa",
  "Section_arts",
  "Section_cinema",
  "Section_theatre",
  "Section_sport",
  "Section_internationale",
  "Section_europeenne",
  "Lycee_Agricole",
  "Lycee_militaire",
  "Lycee_des_metiers",
  "Post_BAC",
  "Appartenance_Education_Prioritaire",
  "GRETA",
  "SIREN_SIRET",
  "Nombre_d_eleves",
  "Fiche_onisep",
  "position",
  "Type_contrat_prive",
  "Libelle_departement",
  "Libelle_academie",
  "Libelle_region",
  "coordonnee_X",
  "coordonnee_Y",
  "epsg",
  "nom_circonscription",
  "latitude",
  "longitude",
  "precision_localisation",
  "date_ouverture",
  "date_maj_ligne",
  "etat",
  "ministere_tutelle",
  "etablissement_multi_lignes",
  "rpi_concentre",
  "rpi_disperse",
  "code_nature",
  "libelle_nature",
  "Code_type_contrat_prive",
  "PIAL",
  "etablissement_mere",
  "type_rattachement_etablissement_mere",
  "code_bassin_formation",
  "libelle_bassin_formation",
] as const;

/** The columns of the « Adresse et géolocalisation des établissements d'enseignement du premier et
 *  second degrés » export, by their field names. */
export const GEOLOCALISATION_HEADER = [
  "numero_uai",
  "appellation_officielle",
  "denomination_principale",
  "patronyme_uai",
  "secteur_public_prive_libe",
  "adresse_uai",
  "lieu_dit_uai",
  "boite_postale_uai",
  "code_postal_uai",
  "localite_acheminement_uai",
  "libelle_commune",
  "coordonnee_x",
  "coordonnee_y",
  "epsg",
  "latitude",
  "longitude",
  "appariement",
  "localisation",
  "nature_uai",
  "nature_uai_libe",
  "etat_etablissement",
  "etat_etablissement_libe",
  "code_departement",
  "code_region",
  "code_academie",
  "code_commune",
  "libelle_departement",
  "libelle_region",
  "libelle_academie",
  "position",
  "secteur_prive_code_type_contrat",
  "secteur_prive_libelle_type_contrat",
  "code_ministere",
  "libelle_ministere",
  "date_ouverture",
] as const;

/** A small fast generator (mulberry32): the same seed gives the same files. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

export function uaiOf(digits: string): string {
  return `${digits}${UAI_CHECK_ALPHABET[Number(digits) % 23]}`;
}

export function toCsv(rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => (/[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${rows.map((r) => r.map(cell).join(";")).join("\n")}\n`;
}

const NATURES: readonly { kind: SchoolKind; code: string; label: string; type: string; prefix: string; weight: number }[] = [
  { kind: "COLLEGE", code: "340", label: "COLLEGE", type: "Collège", prefix: "Collège", weight: 55 },
  { kind: "LYCEE_GT", code: "300", label: "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", type: "Lycée", prefix: "Lycée", weight: 15 },
  { kind: "LYCEE_PRO", code: "320", label: "LYCEE PROFESSIONNEL", type: "Lycée", prefix: "Lycée professionnel", weight: 12 },
  { kind: "LYCEE_POLY", code: "306", label: "LYCEE POLYVALENT", type: "Lycée", prefix: "Lycée polyvalent", weight: 15 },
  { kind: "EREA", code: "370", label: "ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE", type: "EREA", prefix: "EREA", weight: 3 },
];

const PATRONS = [
  "Victor-Hugo",
  "Jean-Moulin",
  "Jules-Ferry",
  "Simone-Veil",
  "Louise-Michel",
  "Jean-Jaurès",
  "Marie-Curie",
  "Albert-Camus",
  "George-Sand",
  "Lucie-Aubrac",
  "Paul-Éluard",
  "Rosa-Parks",
  "Condorcet",
  "Jean-Zay",
  "Olympe-de-Gouges",
  "Françoise-Dolto",
  "Pierre-et-Marie-Curie",
  "Germaine-Tillion",
  "Louis-Armand",
  "Édouard-Herriot",
];
const COMMUNE_START = ["Saint-", "Sainte-", "Villeneuve-", "Mont", "Beau", "Val-", "Ros", "Bel", "Font", "Cham"];
const COMMUNE_END = ["Martin", "Foy", "sur-Loire", "lieu", "mont", "d'Azergues", "pierre", "aine", "vert", "bonne"];

export type GeneratedSchool = {
  uai: string;
  name: string;
  kind: SchoolKind;
  commune: string;
  departmentCode: string;
  bassinCode: string;
  bassinName: string;
  open: boolean;
  sector: "PUBLIC" | "PRIVATE_UNDER_CONTRACT";
};

export type DirectoryExtract = {
  records: string[][];
  csv: string;
  /** The schools the académie keeps, in file order. */
  schools: GeneratedSchool[];
  bassins: { code: string; name: string }[];
  /** Rows left out, by reason. */
  ignored: { OTHER_ACADEMY: number; FIRST_DEGREE: number; PRIVATE_WITHOUT_CONTRACT: number };
};

export type ExtractOptions = {
  schools: number;
  seed: number;
  layout?: "annuaire" | "geolocalisation";
  academy?: { code: string; name: string };
  departments?: readonly string[];
  bassinCount?: number;
  /** Rows of other académies, écoles and private schools without contract (default: a fifth of `schools`). */
  ignoredRows?: number;
};

/**
 * An extract of `schools` EPLE and EREA of one académie (public, or private under contract; a few
 * closed), mixed with rows that must be left out. UAIs are valid and unique.
 */
export function generateDirectoryExtract(opts: ExtractOptions): DirectoryExtract {
  const random = randomFrom(opts.seed);
  const academy = opts.academy ?? { code: "10", name: "Lyon" };
  const departments = opts.departments ?? ["001", "007", "026", "042", "069"];
  const bassins = Array.from({ length: opts.bassinCount ?? Math.max(1, Math.ceil(opts.schools / 60)) }, (_, i) => ({
    code: `B${String(i + 1).padStart(3, "0")}`,
    name: `Bassin ${pick(random, PATRONS).split("-")[0]} ${i + 1}`,
  }));
  const counters = new Map<string, number>();
  const nextUai = (department: string) => {
    const n = (counters.get(department) ?? 0) + 1;
    counters.set(department, n);
    if (n > 9999) throw new Error("at most 9,999 schools per département");
    return uaiOf(`${department}${String(n).padStart(4, "0")}`);
  };
  const weights = NATURES.reduce((s, n) => s + n.weight, 0);
  const nature = () => {
    let r = random() * weights;
    for (const n of NATURES) if ((r -= n.weight) < 0) return n;
    return NATURES[0]!;
  };
  const commune = () => `${pick(random, COMMUNE_START)}${pick(random, COMMUNE_END)}`;

  type Row = {
    uai: string;
    name: string;
    nature: { code: string; label: string; type: string };
    sector: "Public" | "Privé";
    contract: { code: string; label: string };
    commune: string;
    department: string;
    academy: { code: string; name: string };
    state: "OUVERT" | "FERME";
    bassin: { code: string; name: string } | null;
  };
  const rows: Row[] = [];
  const kept: GeneratedSchool[] = [];
  const noContract = { code: "99", label: "SANS OBJET" };
  for (let i = 0; i < opts.schools; i++) {
    const n = nature();
    const department = pick(random, departments);
    const privateSchool = random() < 0.2;
    const open = random() >= 0.03;
    const bassin = pick(random, bassins);
    const row: Row = {
      uai: nextUai(department),
      name: `${n.prefix}${privateSchool ? " privé" : ""} ${pick(random, PATRONS)}`,
      nature: n,
      sector: privateSchool ? "Privé" : "Public",
      contract: privateSchool ? { code: "30", label: "CONTRAT D'ASSOCIATION TOUTES CLASSES" } : noContract,
      commune: commune(),
      department,
      academy,
      state: open ? "OUVERT" : "FERME",
      bassin,
    };
    rows.push(row);
    kept.push({
      uai: row.uai,
      name: row.name,
      kind: n.kind,
      commune: row.commune,
      departmentCode: department,
      bassinCode: bassin.code,
      bassinName: bassin.name,
      open,
      sector: privateSchool ? "PRIVATE_UNDER_CONTRACT" : "PUBLIC",
    });
  }
  const ignored = { OTHER_ACADEMY: 0, FIRST_DEGREE: 0, PRIVATE_WITHOUT_CONTRACT: 0 };
  const ignoredRows = opts.ignoredRows ?? Math.floor(opts.schools / 5);
  for (let i = 0; i < ignoredRows; i++) {
    const which = i % 3;
    const department = which === 0 ? "038" : pick(random, departments);
    const row: Row = {
      uai: nextUai(department),
      name: which === 1 ? `École élémentaire ${pick(random, PATRONS)}` : `Lycée privé ${pick(random, PATRONS)}`,
      nature: which === 1 ? { code: "151", label: "ECOLE DE NIVEAU ELEMENTAIRE", type: "Ecole" } : NATURES[1]!,
      sector: which === 2 ? "Privé" : "Public",
      contract: which === 2 ? { code: "10", label: "HORS CONTRAT" } : noContract,
      commune: commune(),
      department,
      academy: which === 0 ? { code: "08", name: "Grenoble" } : academy,
      state: "OUVERT",
      bassin: null,
    };
    // Spread through the file, as in a national export sorted by UAI.
    rows.splice(Math.floor(random() * (rows.length + 1)), 0, row);
    ignored[which === 0 ? "OTHER_ACADEMY" : which === 1 ? "FIRST_DEGREE" : "PRIVATE_WITHOUT_CONTRACT"]++;
  }
  const order = new Map(rows.map((r, i) => [r.uai, i]));
  kept.sort((a, b) => order.get(a.uai)! - order.get(b.uai)!);

  const layout = opts.layout ?? "annuaire";
  const header: readonly string[] = layout === "annuaire" ? ANNUAIRE_HEADER : GEOLOCALISATION_HEADER;
  const records: string[][] = [[...header]];
  for (const r of rows) {
    const v = new Map<string, string>();
    if (layout === "annuaire") {
      v.set("Identifiant_de_l_etablissement", r.uai)
        .set("Nom_etablissement", r.name)
        .set("Type_etablissement", r.nature.type)
        .set("Statut_public_prive", r.sector);
      v.set("Nom_commune", r.commune).set("Code_departement", r.department).set("Code_academie", r.academy.code).set("Libelle_academie", r.academy.name);
      v.set("Type_contrat_prive", r.contract.label).set("Code_type_contrat_prive", r.contract.code).set("etat", r.state);
      v.set("code_nature", r.nature.code).set("libelle_nature", r.nature.label).set("ministere_tutelle", "MINISTERE DE L'EDUCATION NATIONALE");
      v.set("code_bassin_formation", r.bassin?.code ?? "")
        .set("libelle_bassin_formation", r.bassin?.name ?? "")
        .set("epsg", "EPSG:2154");
    } else {
      const [denomination, ...patronym] = r.name.split(" ");
      v.set("numero_uai", r.uai)
        .set("appellation_officielle", r.name)
        .set("denomination_principale", (denomination ?? "").toUpperCase())
        .set("patronyme_uai", patronym.join(" ").toUpperCase());
      v.set("secteur_public_prive_libe", r.sector).set("libelle_commune", r.commune).set("nature_uai", r.nature.code).set("nature_uai_libe", r.nature.label);
      v.set("etat_etablissement", r.state === "OUVERT" ? "1" : "4").set("etat_etablissement_libe", r.state === "OUVERT" ? "OUVERT" : "FERME");
      v.set("code_departement", r.department).set("code_academie", r.academy.code).set("libelle_academie", r.academy.name);
      v.set("secteur_prive_code_type_contrat", r.contract.code)
        .set("secteur_prive_libelle_type_contrat", r.contract.label)
        .set("code_ministere", "06")
        .set("libelle_ministere", "MINISTERE DE L'EDUCATION NATIONALE");
    }
    records.push(header.map((h) => v.get(h) ?? ""));
  }
  return { records, csv: toCsv(records), schools: kept, bassins, ignored };
}

/** The bassins file (`UAI;Code bassin;Nom du bassin`) of generated schools. */
export function bassinsFileOf(schools: readonly GeneratedSchool[]): { records: string[][]; csv: string } {
  const records = [["UAI", "Code bassin", "Nom du bassin"], ...schools.map((s) => [s.uai, s.bassinCode, s.bassinName])];
  return { records, csv: toCsv(records) };
}

// Functions as académie directories write them, per role, with their usual variants.
const FUNCTIONS: Readonly<Record<Role, readonly string[]>> = {
  STAFF: [
    "Professeur",
    "Professeure",
    "Professeur principal",
    "PLP",
    "Professeur documentaliste",
    "Enseignant",
    "Enseignante",
    "AED",
    "Assistant d'éducation",
    "Professeur de mathématiques",
  ],
  CPE: ["CPE", "Conseiller principal d'éducation", "Conseillère principale d'éducation"],
  HEAD: ["Principal", "Principale adjointe", "Proviseur", "Proviseur adjoint", "Chef d'établissement"],
  REFERENT: ["Référent décrochage scolaire", "RDS", "Référente décrochage"],
  PSYEN: ["Psychologue de l'Éducation nationale", "PSY-EN", "Psy-EN EDO"],
  SOCIAL_WORKER: ["Assistante sociale", "Assistant de service social", "ASS"],
  NURSE: ["Infirmière", "Infirmier", "infirmier(ère)"],
  COORDINATOR: ["Coordonnateur MLDS", "Coordonnatrice MLDS", "Coordinateur MLDS"],
  IEN_IO: ["IEN-IO", "IEN IO"],
  DSDEN: ["IA-DASEN", "DASEN", "Conseiller technique"],
  ADMIN: ["SAIO", "CSAIO", "Administrateur"],
};

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
  "Bertrand",
  "Roux",
  "Vincent",
  "Fournier",
  "Morel",
  "Girard",
  "André",
  "Mercier",
  "Dupont",
  "Lambert",
  "Bonnet",
  "François",
  "Martinez",
  "Legrand",
  "Garnier",
  "N'Diaye",
  "Benali",
  "Nguyen",
  "Da Silva",
  "Le Gall",
];
const FIRST_NAMES = [
  "Claire",
  "Karim",
  "Sophie",
  "Marc",
  "Nathalie",
  "Thomas",
  "Inès",
  "Julie",
  "Olivier",
  "Hélène",
  "Amina",
  "Luc",
  "Camille",
  "Pierre",
  "Élise",
  "Léa",
  "Hugo",
  "Chloé",
  "Louis",
  "Manon",
  "Jean-Baptiste",
  "Anne-Sophie",
  "Mathéo",
  "Zoé",
  "Yanis",
];

export type GeneratedPerson = { email: string; role: Role; uais: string[]; bassinCode: string | null; departmentCode: string | null };

export type StaffList = { records: string[][]; csv: string; people: GeneratedPerson[]; lines: number };

/**
 * A staff list of `people` people over the given schools: mostly teachers; in each school a few
 * CPE, heads, a référent and GPDS members; coordinators and IEN-IO per bassin, DSDEN per
 * département, a few admins. Some people work in two schools, written either as two UAIs in the
 * cell or as two lines with the same e-mail.
 */
export function generateStaffList(opts: {
  people: number;
  seed: number;
  schools: readonly { uai: string }[];
  bassins: readonly { code: string }[];
  departments: readonly string[];
  domain?: string;
}): StaffList {
  const random = randomFrom(opts.seed);
  if (opts.schools.length === 0) throw new Error("a staff list needs schools");
  const domain = opts.domain ?? "ac-demo.fr";
  const emails = new Set<string>();
  const people: GeneratedPerson[] = [];
  const records: string[][] = [["Nom", "Prénom", "Courriel", "Fonction", "Rattachement"]];
  const roleFor = (i: number): Role => {
    if (i < Math.min(3, opts.people)) return "ADMIN";
    const r = random();
    if (r < 0.004 * opts.bassins.length) return random() < 0.5 ? "COORDINATOR" : "IEN_IO";
    if (r < 0.004 * opts.bassins.length + 0.002 * opts.departments.length) return "DSDEN";
    const school = random();
    return school < 0.78
      ? "STAFF"
      : school < 0.83
        ? "CPE"
        : school < 0.88
          ? "HEAD"
          : school < 0.91
            ? "REFERENT"
            : school < 0.94
              ? "PSYEN"
              : school < 0.97
                ? "SOCIAL_WORKER"
                : "NURSE";
  };
  const strip = (s: string) =>
    s
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "")
      .toLowerCase()
      .replace(/[^a-z]+/g, "");
  for (let i = 0; i < opts.people; i++) {
    const role = roleFor(i);
    const lastName = pick(random, LAST_NAMES);
    const firstName = pick(random, FIRST_NAMES);
    let email = `${strip(firstName)}.${strip(lastName)}@${domain}`;
    for (let n = 2; emails.has(email); n++) email = `${strip(firstName)}.${strip(lastName)}${n}@${domain}`;
    emails.add(email);
    const fn = pick(random, FUNCTIONS[role]);
    const person: GeneratedPerson = { email, role, uais: [], bassinCode: null, departmentCode: null };
    const line = (attachment: string, f = fn) => records.push([lastName, firstName, i % 7 === 0 ? email.toUpperCase() : email, f, attachment]);
    if (role === "COORDINATOR" || role === "IEN_IO") {
      person.bassinCode = pick(random, opts.bassins).code;
      line(person.bassinCode);
    } else if (role === "DSDEN") {
      person.departmentCode = pick(random, opts.departments);
      // Written "69" or "069", as people do.
      line(random() < 0.5 ? person.departmentCode.replace(/^0/, "") : person.departmentCode);
    } else if (role === "ADMIN") {
      line("");
    } else {
      const first = pick(random, opts.schools).uai;
      person.uais.push(first);
      const second =
        random() < 0.03 && opts.schools.length > 1
          ? pick(
              random,
              opts.schools.filter((s) => s.uai !== first),
            ).uai
          : null;
      if (second === null) line(first);
      else if (random() < 0.5) {
        person.uais.push(second);
        line(`${first}, ${second}`);
      } else {
        person.uais.push(second);
        line(first);
        line(second, pick(random, FUNCTIONS[role]));
      }
    }
    people.push(person);
  }
  return { records, csv: toCsv(records), people, lines: records.length - 1 };
}
