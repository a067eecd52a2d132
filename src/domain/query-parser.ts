// Chat commands typed to the bot, in French first and English too. People type fast on phones,
// so case, accents and one slip in the command word are forgiven; arguments are kept as typed.

import { normalizeReference } from "./reference.js";
import { normalizeText, typoDistance } from "./text.js";
import { commandText } from "./safe-text.js";

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
  | { kind: "exportPupil"; reference: string }
  | { kind: "erasePupil"; reference: string }
  | { kind: "greeting" }
  | { kind: "thanks" }
  | { kind: "unknown"; text: string };

export type QueryKind = Query["kind"];

export const QUERY_KINDS = [
  "help",
  "report",
  "cancel",
  "statusByReference",
  "statusByName",
  "myReports",
  "toDo",
  "overdue",
  "history",
  "stats",
  "exportPupil",
  "erasePupil",
  "greeting",
  "thanks",
  "unknown",
] as const satisfies readonly QueryKind[];

/** Longer messages are not commands; parsing them would only waste time. */
export const MAX_QUERY_LENGTH = 500;

/** What may follow the command words. */
type Tail =
  | "none" // nothing
  | "anything" // ignored: "signaler un élève en difficulté" is still a report
  | "reference"
  | "referenceOrName"
  | "optionalScope"
  | "politeness"; // ignored, unless it holds a command: "bonjour, je voudrais signaler un élève"

type CommandKind = Exclude<QueryKind, "unknown" | "statusByName">;

interface Command {
  kind: CommandKind;
  phrases: readonly string[];
  tail: Tail;
}

// Order matters only to break ties between equally good matches.
const COMMANDS: readonly Command[] = [
  { kind: "help", phrases: ["aide", "help", "menu", "commandes", "commands"], tail: "none" },
  { kind: "cancel", phrases: ["annuler", "annule", "cancel", "stop"], tail: "none" },
  { kind: "report", phrases: ["signaler", "report"], tail: "anything" },
  {
    kind: "report",
    phrases: ["signalement", "nouveau signalement", "new report", "fiche de reperage"],
    tail: "none",
  },
  { kind: "myReports", phrases: ["mes fiches de reperage", "mes fiches", "mes signalements", "signalements", "my reports", "my forms"], tail: "none" },
  {
    kind: "toDo",
    phrases: ["a traiter", "dossiers a traiter", "a faire", "to do", "todo", "to-do"],
    tail: "none",
  },
  { kind: "overdue", phrases: ["en retard", "dossiers en retard", "retards", "overdue", "late"], tail: "none" },
  { kind: "history", phrases: ["historique", "history", "chronologie"], tail: "reference" },
  { kind: "statusByReference", phrases: ["statut", "status", "etat", "suivi", "ou en est"], tail: "referenceOrName" },
  { kind: "stats", phrases: ["statistiques", "statistics", "stats", "stat"], tail: "optionalScope" },
  // Data-protection requests (admins, personal chat); both end on a confirmation card.
  { kind: "exportPupil", phrases: ["export eleve", "exporter eleve", "export pupil", "export student"], tail: "reference" },
  { kind: "erasePupil", phrases: ["effacer eleve", "supprimer eleve", "erase pupil", "erase student", "delete pupil"], tail: "reference" },
  // Politeness gets a word back rather than "I did not understand".
  { kind: "greeting", phrases: ["bonjour", "bonsoir", "salut", "coucou", "hello", "hi", "hey", "good morning"], tail: "politeness" },
  { kind: "thanks", phrases: ["merci", "thanks", "thank you", "thx", "super", "parfait", "ok merci", "👍", "🙏", "👌"], tail: "politeness" },
];

/** Verbs that make a sentence a report wherever they are: "je voudrais signaler un élève". */
const REPORT_VERBS = new Set(["signaler", "reperer"]);
/** Longer messages are read as text, not searched for a verb. */
const MAX_SENTENCE_WORDS = 15;

// Short words are too easily one slip away from another word, and "stats" is one letter from both
// "statut" and "status", so these must be typed exactly.
const MIN_FUZZY_LENGTH = 5;
// An erasure is confirmed on a card anyway, but its command word is never guessed from a slip.
const EXACT_ONLY = new Set(["stats", "effacer", "supprimer", "erase", "delete"]);

/** Small words people put before a reference: "historique du dossier D-2026-0042". */
const REFERENCE_FILLERS = new Set(["du", "de", "le", "la", "dossier", "suivi", "of", "the", "case", "for", "pour"]);
/** And before a name: "où en est le dossier de Léa ?", "statut de l'élève Dupont". A name's own
 *  particle ("Le Goff") may go too: names are matched by their words, so "Goff" still finds it. */
const NAME_FILLERS = new Set([
  ...REFERENCE_FILLERS,
  "des",
  "les",
  "d'",
  "l'",
  "eleve",
  "l'eleve",
  "d'eleve",
  "jeune",
  "mon",
  "ma",
  "son",
  "sa",
  "pupil",
  "student",
  "my",
]);

const NAME = /^[\p{L}\p{M}][\p{L}\p{M}'’. -]*$/u;

interface Token {
  raw: string;
  key: string;
}

interface Candidate {
  command: Command;
  length: number;
  distance: number;
  order: number;
}

/** Reads a chat message as a command. Never throws; anything unrecognised is `unknown`. */
export function parseQuery(text: string): Query {
  if (typeof text !== "string") return { kind: "unknown", text: "" };
  // Invisible characters (marks, zero-width spaces, bidirectional and other controls) come with
  // pasted text and would split or hide a word: they are removed before anything is read.
  const trimmed = commandText(text).trim();
  if (text.length > MAX_QUERY_LENGTH) return { kind: "unknown", text: trimmed.slice(0, MAX_QUERY_LENGTH) };
  const unknown: Query = { kind: "unknown", text: trimmed };

  const body = trimmed
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .trim()
    .replace(/^\//, "");
  if (/^\?+$/.test(body)) return { kind: "help" };
  const tokens = tokenize(body.replace(/[\s?!.…]+$/u, ""));
  if (tokens.length === 0) return unknown;

  const bareReference = normalizeReference(joinRaw(tokens));
  if (bareReference !== null) return { kind: "statusByReference", reference: bareReference };

  for (const candidate of candidates(tokens)) {
    const query = withTail(candidate.command, tokens.slice(candidate.length));
    if (query !== null) return query;
  }
  if (tokens.length <= MAX_SENTENCE_WORDS && tokens.some((t) => REPORT_VERBS.has(t.key.replace(/^[a-z]'/, "")))) return { kind: "report" };
  return unknown;
}

/**
 * A message that is only a name ("Léa Dupont", "dupont"): one to four words of letters. The bot
 * reads it as `statut <name>` when it matches a case the caller may see, and as a message it did
 * not understand otherwise. Call it on what `parseQuery` did not recognise.
 */
export function bareName(text: string): string | null {
  if (typeof text !== "string" || text.length > 80) return null;
  const name = text
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/[\s?!.…]+$/u, "")
    .replace(/\s+/g, " ")
    .trim();
  const words = name.split(" ").filter((w) => w !== "");
  return words.length >= 1 && words.length <= 4 && isName(name) ? name : null;
}

function tokenize(body: string): Token[] {
  return body
    .split(/\s+/)
    .filter((raw) => raw !== "")
    .map((raw) => ({ raw, key: normalizeText(raw).replace(/[:,;]+$/, "") }))
    .filter((token) => token.key !== "");
}

function joinRaw(tokens: readonly Token[]): string {
  return tokens.map((t) => t.raw).join(" ");
}

function candidates(tokens: readonly Token[]): Candidate[] {
  const found: Candidate[] = [];
  COMMANDS.forEach((command, order) => {
    for (const phrase of command.phrases) {
      const words = phrase.split(" ");
      const distance = phraseDistance(tokens, words);
      if (distance <= 1) found.push({ command, length: words.length, distance, order });
    }
  });
  // Best first: fewest slips, then the most specific phrase, then table order.
  return found.sort((a, b) => a.distance - b.distance || b.length - a.length || a.order - b.order);
}

/** Slips between the first tokens and a phrase; Infinity when they do not match at all. */
function phraseDistance(tokens: readonly Token[], words: readonly string[]): number {
  if (tokens.length < words.length) return Infinity;
  let total = 0;
  // Every message is checked against every phrase: stop as soon as there is more than one slip, and
  // do not count the slips of a word more than one letter longer or shorter (npm run bench).
  for (let i = 0; i < words.length && total <= 1; i++) {
    const word = words[i]!;
    const key = tokens[i]?.key ?? "";
    if (key === word) continue;
    const fuzzy = word.length >= MIN_FUZZY_LENGTH && !EXACT_ONLY.has(word) && Math.abs(Array.from(key).length - word.length) <= 1;
    total += fuzzy ? typoDistance(key, word) : Infinity;
  }
  return total;
}

function withTail(command: Command, rest: readonly Token[]): Query | null {
  switch (command.tail) {
    case "none":
      return rest.length === 0 ? simple(command.kind) : null;
    case "anything":
      return simple(command.kind);
    case "reference": {
      const reference = referenceIn(rest);
      if (reference === null) return null;
      return command.kind === "history" || command.kind === "exportPupil" || command.kind === "erasePupil" ? { kind: command.kind, reference } : null;
    }
    case "referenceOrName": {
      const reference = referenceIn(rest);
      if (reference !== null) return { kind: "statusByReference", reference };
      const name = joinRaw(withoutNameFillers(rest));
      return isName(name) ? { kind: "statusByName", name } : null;
    }
    case "optionalScope":
      return rest.length === 0 ? { kind: "stats" } : { kind: "stats", scope: joinRaw(rest) };
    case "politeness": {
      const inner = rest.length > 0 ? parseQuery(joinRaw(rest)) : null;
      if (inner && inner.kind !== "unknown" && inner.kind !== "greeting" && inner.kind !== "thanks") return inner;
      return command.kind === "greeting" || command.kind === "thanks" ? { kind: command.kind } : null;
    }
  }
}

function simple(kind: CommandKind): Query | null {
  switch (kind) {
    case "help":
    case "report":
    case "cancel":
    case "myReports":
    case "toDo":
    case "overdue":
      return { kind };
    default:
      return null;
  }
}

function referenceIn(rest: readonly Token[]): string | null {
  let start = 0;
  while (start < rest.length - 1 && REFERENCE_FILLERS.has(rest[start]?.key ?? "")) start++;
  return rest.length === 0 ? null : normalizeReference(joinRaw(rest.slice(start)));
}

/** The typed name without the small words before it; an elided article goes too ("d'Inès"). */
function withoutNameFillers(rest: readonly Token[]): Token[] {
  let start = 0;
  while (start < rest.length - 1 && NAME_FILLERS.has(rest[start]?.key ?? "")) start++;
  const kept = rest.slice(start);
  const first = kept[0];
  const elided = first ? /^[dl]'(?=\p{L})/u.exec(first.key) : null;
  if (first && elided && kept.length >= 1 && !NAME_FILLERS.has(first.key)) {
    const raw = first.raw.replace(/^[dlDL]['\u2019]/u, "");
    return raw ? [{ raw, key: first.key.slice(2) }, ...kept.slice(1)] : kept;
  }
  return kept;
}

function isName(text: string): boolean {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  return letters >= 2 && NAME.test(text);
}
