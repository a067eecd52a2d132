import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ACData from "adaptivecards-templating";
import { escapeMarkdown } from "./markdown.js";

/** Adaptive Card templates live in cards/<name>.json (Adaptive Cards 1.5, `${}` templating,
 *  `$data` repeats and `$when`). Each template is parsed once and expanded per message. */

export const CARDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../cards");

export type AdaptiveCardJson = { type: "AdaptiveCard"; version: string; body?: unknown[]; actions?: unknown[]; [k: string]: unknown };

const templates = new Map<string, ACData.Template>();

function template(name: string): ACData.Template {
  let t = templates.get(name);
  if (!t) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`invalid card name ${name}`);
    t = new ACData.Template(JSON.parse(readFileSync(path.join(CARDS_DIR, `${name}.json`), "utf8")));
    templates.set(name, t);
  }
  return t;
}

/** Cards whose data are only texts (help, welcome), expanded once per language: expanding a
 *  template costs about 0.3 ms, a copy of the result a few microseconds. Never used for cards
 *  that show a case or a person. */
const constantCards = new Map<string, AdaptiveCardJson>();
const CONSTANT_CARDS_MAX = 64;

export function renderCard(name: string, data: object, opts: { constant?: boolean } = {}): AdaptiveCardJson {
  if (!opts.constant) return plainText(template(name).expand({ $root: data }) as AdaptiveCardJson);
  const key = `${name}\u0000${JSON.stringify(data)}`;
  let card = constantCards.get(key);
  if (!card) {
    card = plainText(template(name).expand({ $root: data }) as AdaptiveCardJson);
    if (constantCards.size >= CONSTANT_CARDS_MAX) constantCards.delete(constantCards.keys().next().value!);
    constantCards.set(key, card);
  }
  return structuredClone(card);
}

/** The texts Teams reads as Markdown (TextBlocks, facts) escaped: what a person typed, and what
 *  the bot says, is shown as written (markdown.ts). Escaped after expansion, so that no text placed
 *  in a template can be missed. */
function plainText<T>(node: T): T {
  if (Array.isArray(node)) {
    for (const item of node) plainText(item);
  } else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.type === "TextBlock" && typeof o.text === "string") o.text = escapeMarkdown(o.text);
    if (o.type === "FactSet" && Array.isArray(o.facts)) {
      for (const fact of o.facts as Record<string, unknown>[]) {
        if (typeof fact.title === "string") fact.title = escapeMarkdown(fact.title);
        if (typeof fact.value === "string") fact.value = escapeMarkdown(fact.value);
      }
    }
    for (const value of Object.values(o)) if (value && typeof value === "object") plainText(value);
  }
  return node;
}

export function cardNames(): string[] {
  return readdirSync(CARDS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}
