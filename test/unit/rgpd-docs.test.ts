import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rgpdFactsFile } from "../../scripts/lib/rgpd-facts.js";
import { COLUMN_FATES } from "../../src/store/retention-columns.js";

const DOCS = path.resolve(import.meta.dirname, "../../docs/rgpd");

describe("the DPO's documents (docs/rgpd)", () => {
  it("state the product's facts as the code has them (npm run docs:rgpd rewrites them)", async () => {
    const file = path.join(DOCS, "faits-du-produit.md");
    expect(readFileSync(file, "utf8")).toBe(await rgpdFactsFile(file));
  });

  it("list what happens to the pupil's name at retention, from the code's own table", () => {
    const facts = readFileSync(path.join(DOCS, "faits-du-produit.md"), "utf8");
    expect(COLUMN_FATES.Pupil.lastName).toHaveProperty("erase");
    expect(facts).toMatch(/\| lastName\s+\| effacé\s+\|/);
    expect(facts).toMatch(/\| className\s+\| conservé\s+\|/);
  });

  it("point from every document to the facts they rely on", () => {
    for (const doc of ["README.md", "registre.md", "aipd.md", "notice-personnels.md", "teams-et-microsoft-365.md"]) {
      expect(readFileSync(path.join(DOCS, doc), "utf8"), doc).toContain("faits-du-produit.md");
    }
  });
});
