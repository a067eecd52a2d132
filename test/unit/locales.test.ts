import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Every text a user sees exists in French and in English, with the same placeholders.
const DIR = path.resolve("src/teams/locales");

function flatten(o: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    else out.set(key, String(v));
  }
  return out;
}

const files = ["", ...readdirSync(path.join(DIR, "fr")).filter((f) => f.endsWith(".json"))];
const load = (lang: string, file: string) => flatten(JSON.parse(readFileSync(file ? path.join(DIR, lang, file) : path.join(DIR, `${lang}.json`), "utf8")));
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe.each(files)("texts %s", (file) => {
  const fr = load("fr", file);
  const en = load("en", file);

  it("has the same keys in French and English", () => {
    expect([...en.keys()].sort()).toEqual([...fr.keys()].sort());
  });

  it("uses the same placeholders in both languages, and no empty text", () => {
    for (const [key, text] of fr) {
      expect(text.trim(), key).not.toBe("");
      expect(placeholders(en.get(key) ?? ""), key).toEqual(placeholders(text));
    }
  });
});

it("feature files never redefine a section of the main files", () => {
  const main = Object.keys(JSON.parse(readFileSync(path.join(DIR, "fr.json"), "utf8")));
  for (const file of files.filter(Boolean)) {
    for (const section of Object.keys(JSON.parse(readFileSync(path.join(DIR, "fr", file), "utf8"))))
      expect(main, `${file} redefines ${section}`).not.toContain(section);
  }
});
