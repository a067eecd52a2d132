import { REFERENCE_PATTERN, formatReference, parseReference } from "./reference.js";
import { levenshtein, normalizeText } from "./text.js";

/** What a chat message asks for. French first, English too; case and accents do not matter and a
 *  one-letter typo in a command word is tolerated. Pure: text in, query out, never throws. */
export type Query =
  | { kind: "help" }
  | { kind: "report" }
  | { kind: "cancel" }
  | { kind: "statusByReference"; reference: string }
  | { kind: "statusByName"; name: string }
  | { kind: "myReports" }
  | { kind: "toDo" }
  | { kind: "overdue" }
  | { kind: "history"; reference: string }
  | { kind: "stats"; scope?: string }
  | { kind: "unknown"; text: string };

export const MAX_QUERY_LENGTH = 500;

/** Whole-message commands (normalised), by kind. */
const PHRASES: { kind: "help" | "report" | "cancel" | "myReports" | "toDo" | "overdue"; phrases: string[] }[] = [
  { kind: "help", phrases: ["aide", "help", "?", "aidez moi", "au secours", "menu"] },
  { kind: "report", phrases: ["signaler", "signalement", "nouveau signalement", "signaler un eleve", "faire un signalement", "report", "report a pupil", "report a student", "new report"] },
  { kind: "cancel", phrases: ["annuler", "cancel", "stop", "abandonner", "quitter"] },
  { kind: "myReports", phrases: ["mes signalements", "my reports", "mes dossiers signales"] },
  { kind: "toDo", phrases: ["a traiter", "to do", "todo", "a faire"] },
  { kind: "overdue", phrases: ["en retard", "overdue", "retards"] },
];

const STATUS_WORDS = ["statut", "status", "etat", "suivi"];
const HISTORY_WORDS = ["historique", "history", "chronologie"];
const STATS_WORDS = ["statistiques", "statistique", "stats", "statistics"];

/** A word matches a command word exactly, or with one letter wrong for words of 5 letters or more. */
function fuzzyEquals(word: string, target: string): boolean {
  if (word === target) return true;
  return target.length >= 5 && Math.abs(word.length - target.length) <= 1 && levenshtein(word, target) <= 1;
}

function matchesPhrase(text: string, phrase: string): boolean {
  const a = text.split(" ");
  const b = phrase.split(" ");
  return a.length === b.length && a.every((w, i) => fuzzyEquals(w, b[i]!));
}

export function parseQuery(input: string): Query {
  if (typeof input !== "string" || input.length > MAX_QUERY_LENGTH) return { kind: "unknown", text: typeof input === "string" ? input.slice(0, 100) : "" };
  const original = input.trim();
  const text = normalizeText(original).replace(/[!.;:]+$/g, "").trim();
  if (!text) return { kind: "unknown", text: "" };

  for (const { kind, phrases } of PHRASES) {
    if (phrases.some((p) => matchesPhrase(text, p))) return { kind };
  }

  const bare = parseReference(text);
  if (bare) return { kind: "statusByReference", reference: formatReference(bare.year, bare.number) };

  const [first = "", ...rest] = text.split(" ");
  const argument = rest.join(" ").trim();
  if (STATUS_WORDS.some((w) => fuzzyEquals(first, w))) {
    const ref = parseReference(argument);
    if (ref) return { kind: "statusByReference", reference: formatReference(ref.year, ref.number) };
    if (REFERENCE_PATTERN.test(argument)) return { kind: "unknown", text: original };
    // The name keeps its original case and accents for display; matching normalises it again.
    const name = original.split(/\s+/).slice(1).join(" ").trim();
    if (name.length >= 2 && name.length <= 120 && /^[\p{L}][\p{L}\p{M}' .-]*$/u.test(name)) return { kind: "statusByName", name };
    return { kind: "unknown", text: original };
  }
  if (HISTORY_WORDS.some((w) => fuzzyEquals(first, w))) {
    const ref = parseReference(argument);
    return ref ? { kind: "history", reference: formatReference(ref.year, ref.number) } : { kind: "unknown", text: original };
  }
  if (STATS_WORDS.some((w) => fuzzyEquals(first, w))) {
    return argument ? { kind: "stats", scope: argument } : { kind: "stats" };
  }
  return { kind: "unknown", text: original };
}
