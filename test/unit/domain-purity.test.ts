// src/domain must stay pure so that it can be tested alone and reused anywhere.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dir = new URL("../../src/domain/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
/** Libraries that compute without I/O: input parsing, and the French public holidays (school-days.ts). */
const PURE_LIBRARIES = ["zod", "@socialgouv/jours-feries"];

describe("src/domain", () => {
  it("has modules", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)("%s imports only pure libraries and its siblings, and touches no environment", (file) => {
    const source = readFileSync(new URL(file, dir), "utf8");
    const imports = [...source.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1]);
    for (const specifier of imports) {
      expect(PURE_LIBRARIES.includes(specifier ?? "") || /^\.\/[\w-]+\.js$/.test(specifier ?? "")).toBe(true);
    }
    expect(source).not.toMatch(/\bprocess\.|\brequire\(|\bimport\(/);
  });
});
