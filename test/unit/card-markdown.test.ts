import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cardNames, renderCard } from "../../src/teams/cards/card-renderer.js";
import { validateCard } from "../../src/teams/cards/card-validation.js";
import { escapeMarkdown } from "../../src/teams/cards/markdown.js";

/** Teams renders Markdown in TextBlocks and facts. Whatever text a card receives (a class, a note,
 *  a plan description, a file name, a school's name) must read as it was typed: no link, no
 *  emphasis, no list. Every sample of every card, with each of its texts made hostile. */

const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/cards");
const HOSTILE = "[lien](https://e.x) **gras** _it_ `code` ~~barré~~ <https://e.x> ![i](https://e.x/i.png)\n- puce\n1. liste\n# titre\n> citation\\";

/** The texts a person reads as Markdown: TextBlock texts, fact titles and values. */
function markdownTexts(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    if (o.type === "TextBlock" && typeof o.text === "string") out.push(o.text);
    if (o.type === "FactSet" && Array.isArray(o.facts))
      for (const f of o.facts as { title?: unknown; value?: unknown }[]) for (const v of [f.title, f.value]) if (typeof v === "string") out.push(v);
    for (const v of Object.values(o)) if (typeof v === "object") walk(v);
  };
  walk(card);
  return out;
}

/** Markdown syntax that a renderer would act on (not escaped by a backslash). */
const ACTIVE = [
  /(?<!\\)\[[^\]]*(?<!\\)\]\(/, // link or image
  /(?<!\\)\*(?<!\\)\*/, // bold
  /(?:^|[^\\\w])_[^_\n]+(?<!\\)_/, // italic
  /(?<!\\)`/, // code
  /(?<!\\)~~/, // strikethrough
  /(?<!\\)<https?:/, // autolink
  /^\s{0,3}(?:[-+*]|\d+[.)])\s/m, // list item
  /^\s{0,3}[#>]/m, // heading, quote
];

function unescape(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}

type Json = unknown;
/** Every string of the sample data with its path, to make each one hostile in turn. */
function leaves(data: Json, at: (string | number)[] = []): { path: (string | number)[]; value: string }[] {
  if (typeof data === "string") return [{ path: at, value: data }];
  if (Array.isArray(data)) return data.flatMap((v, i) => leaves(v, [...at, i]));
  if (data && typeof data === "object") return Object.entries(data).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [];
}
function replaced(data: Json, where: (string | number)[], value: string): Json {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const key of where.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[where.at(-1)!] = value;
  return copy;
}

describe("escapeMarkdown", () => {
  it("makes every Markdown construct plain text, and keeps what was typed", () => {
    const escaped = escapeMarkdown(HOSTILE);
    for (const pattern of ACTIVE) expect(escaped).not.toMatch(pattern);
    expect(unescape(escaped)).toBe(HOSTILE);
  });

  it("leaves ordinary French text as it is", () => {
    for (const s of ["Lycée Victor-Hugo (0690001B)", "2 – Préoccupant : signes répétés", "< 5", "Jean-Marc N'Diaye", "D-2026-0042 · Signalé le 3 novembre"])
      expect(escapeMarkdown(s)).toBe(s);
  });
});

for (const name of cardNames()) {
  const file = path.join(SAMPLES_DIR, `${name}.samples.json`);
  if (!existsSync(file)) continue;
  const samples = JSON.parse(readFileSync(file, "utf8")) as Record<string, Json>;
  describe(`cards/${name}.json with hostile texts`, () => {
    for (const [sample, data] of Object.entries(samples)) {
      it(`sample "${sample}": every text it shows reads as typed, no Markdown acts`, () => {
        // Each string of the data that the card shows as Markdown text, made hostile in turn.
        const displayed = leaves(data).filter((l) =>
          markdownTexts(renderCard(name, replaced(data, l.path, `${l.value} QZXSHOWN`) as object)).some((t) => t.includes("QZXSHOWN")),
        );
        expect(displayed.length, "no text of the sample is shown").toBeGreaterThan(0);
        for (const leaf of displayed) {
          const card = renderCard(name, replaced(data, leaf.path, `${leaf.value} ${HOSTILE}`) as object);
          expect(validateCard(card), leaf.path.join(".")).toEqual([]);
          const texts = markdownTexts(card);
          for (const text of texts) for (const pattern of ACTIVE) expect(text, `${leaf.path.join(".")}: ${pattern}`).not.toMatch(pattern);
          expect(texts.map(unescape).join("\n"), leaf.path.join(".")).toContain(HOSTILE);
        }
      });
    }
  });
}
