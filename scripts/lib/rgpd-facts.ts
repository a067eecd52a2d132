// The facts of docs/rgpd/faits-du-produit.md, read from the code itself: what each table keeps and
// what anonymisation erases (store/retention-columns.ts), who may do what (domain/permissions.ts),
// the retention rules. `npm run docs:rgpd` writes the file; a test fails when it is out of date.
import prettier from "prettier";
import { COLUMN_FATES, type ColumnFate } from "../../src/store/retention-columns.js";
import { OPERATIONS, PERMISSIONS, DEFAULT_MLDS_ACCESS, URGENT_LEVEL, type Operation, type Scope } from "../../src/domain/permissions.js";
import { ROLES } from "../../src/domain/roles.js";
import { MLDS_MIN_AGE } from "../../src/domain/routing.js";
import { IDLE_DIALOG_DAYS } from "../../src/services/retention.js";
import roleTexts from "../../src/teams/locales/fr/roles.json" with { type: "json" };

const OPERATION_FR: Record<Operation, string> = {
  CREATE_REPORT: "remplir une fiche de repérage",
  VIEW_STATUS: "voir l'état d'un dossier (référence, établissement, classe, initiales, statut)",
  VIEW_DETAILS: "voir le détail (nom, prénom, date de naissance, signaux, observations)",
  TRIAGE: "prendre en charge, attribuer, questionner l'auteur",
  EDIT_PLAN: "construire le Parcours de suivi",
  CLOSE_CASE: "clore un dossier",
  REFER_TO_MLDS: "orienter vers la MLDS (décision du GPDS)",
  GPDS_DECIDE: "enregistrer les décisions du GPDS",
  TRANSFER_CASE: "transférer un dossier vers un autre établissement de l'académie",
  VIEW_HISTORY: "voir l'historique d'un dossier",
  RECORD_ABSENCES: "compléter le décompte des demi-journées d'absence",
  RECORD_FAMILY: "noter l'information et la rencontre de la famille, les accords",
  RECORD_CALL: "campagne d'appels des listes importées : voir téléphone et e-mail, noter un appel, export vers la PSAD",
  VIEW_STATS: "statistiques (effectifs < 5 masqués hors établissement)",
  EXPORT_CASES: "exporter la liste des dossiers (CSV)",
  EXPORT_PUPIL_DATA: "exporter les données d'un élève (droit d'accès)",
  ERASE_PUPIL_DATA: "effacer les données d'un élève (droit à l'effacement)",
  MANAGE_MEMBERS: "gérer les personnes et leurs rôles",
  APPROVE_ENROLMENT: "valider une inscription",
  CONFIGURE_ACADEMY: "paramétrer l'académie (bassins, canaux, annuaire)",
  EXPORT_CASE_TO_ACADEMIE: "envoyer un dossier ouvert à une autre académie (lien signé 24 h, usage unique ; dossier clos)",
  IMPORT_CASE_FROM_ACADEMIE: "ouvrir un dossier reçu d'une autre académie dans un établissement de l'académie",
};

const SCOPE_FR: Record<Scope, string> = {
  OWN_REPORTS: "ses fiches",
  SCHOOL: "établissement",
  DISTRICT: "bassin",
  DEPARTMENT: "département",
  ACADEMY: "académie",
};

function fate(f: ColumnFate): { kind: "conservé" | "effacé" | "transitoire"; why: string } {
  if ("keep" in f) return { kind: "conservé", why: f.keep };
  if ("transient" in f) return { kind: "transitoire", why: f.transient };
  if ("eraseKeys" in f) return { kind: "effacé", why: "textes libres retirés de l'événement" };
  return { kind: "effacé", why: f.erase === null ? "vidé" : f.erase === "" ? "vidé" : `remplacé par « ${f.erase} »` };
}

export function rgpdFacts(): string {
  const out: string[] = [
    "# Faits du produit pour le DPO",
    "",
    "<!-- Généré par `npm run docs:rgpd` (scripts/lib/rgpd-facts.ts) à partir du code : ne pas modifier à la main. Un test échoue si ce fichier ne correspond plus au code. -->",
    "",
    "Ce document est tiré du code de Repère lui-même : il dit ce que le logiciel fait réellement. Les autres documents de ce dossier s'y réfèrent.",
    "",
    "## Durées de conservation",
    "",
    "- **Dossier clos** : l'identité de l'élève (nom, prénom, date de naissance, INE) et tous les textes libres (observations, notes, questions et réponses, commentaires, descriptions d'actions) sont conservés jusqu'au **31 août qui termine l'année scolaire de la clôture** (réglage par défaut, `RETENTION=end-of-school-year`), ou un nombre de jours après la clôture fixé par l'académie (`RETENTION=365` par exemple). Ensuite, une tâche quotidienne anonymise le dossier : seules restent les données nécessaires aux statistiques (établissement, classe, année de naissance, codes, dates, statuts).",
    `- **Fiche de repérage commencée et non envoyée** : effacée après ${IDLE_DIALOG_DAYS} jours sans activité.`,
    "- **Demande d'accès ou d'effacement** : l'administrateur de l'académie exporte (lien signé, à durée limitée) ou efface les données d'un élève à tout moment ; l'opération est journalisée.",
    "- **Téléphone et e-mail des listes de campagne (SIEI/RIO)** : conservés à part de l'identité (table PupilContact), lus seulement par les coordonnateurs MLDS du bassin (campagne d'appels), jamais dans une carte de canal ni pour le personnel des établissements ; effacés avec l'identité de l'élève, comme la note de chaque appel.",
    "- **Personnels** : nom, adresse, rôle et rattachement tant que la personne est membre ; l'historique des dossiers garde qui a fait quoi.",
    "",
    "## Qui voit quoi",
    "",
    `Un dossier d'un élève de moins de ${MLDS_MIN_AGE} ans à la date de la fiche reste à l'établissement (son GPDS) ; la MLDS du bassin ne le voit que si le GPDS l'oriente vers elle. Pour un élève de ${MLDS_MIN_AGE} ans ou plus, les coordonnateurs MLDS du bassin voient le dossier dès la fiche ; ils n'agissent avant la décision du GPDS que selon le réglage du bassin (par défaut : ${DEFAULT_MLDS_ACCESS === "URGENT_OR_OUT_OF_SCHOOL" ? `seulement si le niveau de vigilance est ${URGENT_LEVEL} ou si l'élève ne vient plus` : DEFAULT_MLDS_ACCESS}). La personne qui suit un dossier le voit où qu'il soit. Dans un canal ou une conversation de groupe, les cartes ne portent que la référence, l'établissement, la classe et les initiales ; le détail s'ouvre dans la conversation personnelle de la personne autorisée.`,
    "",
    `| opération | ${ROLES.map((r) => roleTexts.role[r]).join(" | ")} |`,
    `|---|${ROLES.map(() => "---").join("|")}|`,
    ...OPERATIONS.map((op) => `| ${OPERATION_FR[op]} | ${ROLES.map((r) => (PERMISSIONS[op][r] ? SCOPE_FR[PERMISSIONS[op][r]!] : "–")).join(" | ")} |`),
    "",
    "« – » : jamais. Chaque consultation du détail, de l'historique, chaque export et chaque effacement est inscrit dans l'historique du dossier.",
    "",
    "## Ce que chaque table garde après l'anonymisation",
    "",
    "Toutes les colonnes de texte de la base y figurent (un test compare cette liste aux colonnes réelles) ; les autres colonnes sont des dates, des nombres et des booléens.",
    "",
  ];
  for (const [table, columns] of Object.entries(COLUMN_FATES)) {
    const entries = Object.entries(columns as Record<string, ColumnFate>);
    if (entries.length === 0) continue;
    out.push(`### ${table}`, "", "| colonne | à l'anonymisation | pourquoi (la raison écrite dans le code, en anglais) |", "|---|---|---|");
    for (const [column, f] of entries) {
      const { kind, why } = fate(f);
      out.push(`| ${column} | ${kind} | ${why.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** The file as committed: the facts laid out by the project's Prettier settings. */
export async function rgpdFactsFile(file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(rgpdFacts(), { ...options, filepath: file });
}
