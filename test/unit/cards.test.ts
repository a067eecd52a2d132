import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ACData from "adaptivecards-templating";
import { afterAll, describe, expect, it } from "vitest";
import { cardNames, renderCard } from "../../src/teams/cards/card-renderer.js";
import { MAX_CARD_BYTES, validateCard } from "../../src/teams/cards/card-validation.js";

/** Every card the bot can send, with every sample of its data, must be a card that Teams renders
 *  and the bot handles. The samples live in test/fixtures/cards/<name>.samples.json, written with
 *  the template: typical data, the longest values allowed, empty optional fields, accents. */

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const SAMPLES_DIR = path.join(FIXTURES, "cards");
const BROKEN_DIR = path.join(FIXTURES, "cards-broken");

type Samples = Record<string, Record<string, unknown>>;

/** The samples of a card; throws a readable error when the file is missing or malformed. */
function loadSamples(name: string, dir = SAMPLES_DIR): Samples {
  const file = path.join(dir, `${name}.samples.json`);
  if (!existsSync(file)) {
    throw new Error(`cards/${name}.json has no samples: write ${path.relative(process.cwd(), file)} ({"typical": {...}, "longest": {...}, ...})`);
  }
  const samples = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (typeof samples !== "object" || samples === null || Array.isArray(samples) || Object.keys(samples).length === 0) {
    throw new Error(`${file}: expected an object mapping sample names to data objects`);
  }
  for (const [sample, data] of Object.entries(samples)) {
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error(`${file}: sample "${sample}" is not an object`);
  }
  return samples as Samples;
}

/** Same expansion as renderCard, for templates outside cards/. */
function renderTemplateFile(file: string, data: object): unknown {
  return new ACData.Template(JSON.parse(readFileSync(file, "utf8"))).expand({ $root: data });
}

function inputsOf(node: unknown): Record<string, any>[] {
  if (Array.isArray(node)) return node.flatMap(inputsOf);
  if (!node || typeof node !== "object") return [];
  const o = node as Record<string, any>;
  const own = typeof o.type === "string" && o.type.startsWith("Input.") ? [o] : [];
  return [...own, ...Object.values(o).flatMap(inputsOf)];
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("every card in cards/ with every sample", () => {
  const names = cardNames();

  it("lists the card templates", () => {
    expect(Array.isArray(names)).toBe(true);
  });

  for (const name of names) {
    describe(`cards/${name}.json`, () => {
      let samples: Samples = {};
      let missing: unknown;
      try {
        samples = loadSamples(name);
      } catch (e) {
        missing = e;
      }

      it("has a samples file", () => {
        if (missing) throw missing;
      });

      it.skipIf(missing !== undefined)("has samples with French accents", () => {
        expect(
          strings(samples).some((s) => /[À-ÿŒœ«»’]/.test(s)),
          "no sample text with accents",
        ).toBe(true);
      });

      for (const [sample, data] of Object.entries(samples)) {
        it(`sample "${sample}" renders to a valid Adaptive Card 1.5`, () => {
          expect(validateCard(renderCard(name, data))).toEqual([]);
        });

        it(`sample "${sample}": every input has a label (a toggle its title) and every text input a maxLength`, () => {
          // A screen reader names an input by its label; a placeholder is not a name. A limit the
          // card does not state is a text cut without warning.
          for (const input of inputsOf(renderCard(name, data))) {
            const named = input.type === "Input.Toggle" ? input.title : input.label;
            expect(typeof named === "string" && named.trim() !== "", `${input.id} has no ${input.type === "Input.Toggle" ? "title" : "label"}`).toBe(true);
            if (input.type === "Input.Text") expect(input.maxLength, `${input.id} has no maxLength`).toBeGreaterThan(0);
          }
        });
      }
    });
  }
});

describe("the card validation catches broken templates", () => {
  const template = path.join(BROKEN_DIR, "broken.json");
  const samples = loadSamples("broken", BROKEN_DIR);
  const typical = validateCard(renderTemplateFile(template, samples.typical!));

  it.each([
    ["a version above 1.5", /^version: 1\.6 is newer than 1\.5/],
    ["an unknown element type", /UnknownElementType.*Fancy\.Banner/],
    ["an Action.Execute verb outside EXECUTE_VERBS", /^actions\[0\]: Action\.Execute verb "case\.delete" is not in EXECUTE_VERBS/],
    ["an Action.Submit action outside SUBMIT_ACTIONS", /^actions\[1\]: Action\.Submit data\.action "report\.explode" is not in SUBMIT_ACTIONS/],
    ["duplicate input ids", /^body\[4\]: input id "note" is already used at body\[3\]/],
    ["duplicate ids, as the adaptivecards library sees them", /DuplicateId.*"note"/],
    ["a template expression with no data", /^body\[2\]\.text: template expression left unexpanded/],
    ["a boolean where the renderer needs a string", /^body\[6\]\.value: expected a string, got boolean true/],
    ["a number where the renderer needs a string", /^body\[7\]\.facts\[0\]\.value: expected a string, got number 6/],
  ])("reports %s", (_what, pattern) => {
    expect(
      typical.some((p) => pattern.test(p)),
      `no problem matches ${pattern} in:\n${typical.join("\n")}`,
    ).toBe(true);
  });

  it("reports nothing else", () => {
    expect(typical).toHaveLength(9);
  });

  it("reports a card over the Teams size limit", () => {
    const huge = { ...samples.typical, body: "é".repeat(MAX_CARD_BYTES / 2) };
    expect(validateCard(renderTemplateFile(template, huge)).some((p) => /^size: the card is \d+ bytes, over the 28672-byte limit/.test(p))).toBe(true);
  });

  it("reports a card that is not a card", () => {
    expect(validateCard({ type: "Message", text: "bonjour" })).toEqual([`not an Adaptive Card: the root needs "type": "AdaptiveCard"`]);
    expect(validateCard(null)).toHaveLength(1);
  });

  it("reports an Action.Execute with no verb, an Action.Submit with no data and an input with no id", () => {
    const problems = validateCard({
      type: "AdaptiveCard",
      version: "1.5",
      body: [{ type: "Input.Text" }, { type: "ActionSet", actions: [{ type: "Action.Submit", title: "Envoyer" }] }],
      actions: [{ type: "Action.Execute", title: "Prendre en charge" }],
      refresh: { action: { type: "Action.Execute", verb: "case.refresh" }, userIds: [] },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "body[0]: Input.Text has no id",
        "body[1].actions[0]: Action.Submit data.action null is not in SUBMIT_ACTIONS",
        "actions[0]: Action.Execute verb null is not in EXECUTE_VERBS",
      ]),
    );
    expect(problems.join("\n")).not.toMatch(/refresh/);
  });

  it("accepts a correct card using the closed lists", () => {
    expect(
      validateCard({
        type: "AdaptiveCard",
        version: "1.5",
        body: [
          { type: "TextBlock", text: "Dossier D-2026-0042 : élève de 2nde 3, signalé le 12 mars", wrap: true },
          { type: "Input.Text", id: "question", label: "Votre question", isMultiline: true },
        ],
        actions: [
          { type: "Action.Execute", title: "Prendre en charge", verb: "case.takeCharge", data: { caseRef: "D-2026-0042" } },
          { type: "Action.Submit", title: "Aide", data: { action: "help" } },
        ],
      }),
    ).toEqual([]);
  });
});

describe("a card without samples fails the run", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "repere-cards-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loadSamples refuses a card with no samples file", () => {
    writeFileSync(path.join(dir, "orphan.json"), JSON.stringify({ type: "AdaptiveCard", version: "1.5", body: [] }));
    expect(() => loadSamples("orphan", dir)).toThrow(/cards\/orphan\.json has no samples: write .*orphan\.samples\.json/);
  });

  it("loadSamples refuses an empty or malformed samples file", () => {
    writeFileSync(path.join(dir, "empty.samples.json"), "{}");
    writeFileSync(path.join(dir, "list.samples.json"), JSON.stringify({ typical: ["not", "an", "object"] }));
    expect(() => loadSamples("empty", dir)).toThrow(/expected an object/);
    expect(() => loadSamples("list", dir)).toThrow(/sample "typical" is not an object/);
  });
});
