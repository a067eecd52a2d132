// src/domain/directory is part of the pure domain: test/unit/domain-purity.test.ts reads only the
// folder's top level, so this keeps its subfolder to the same rule (zod, its siblings, the domain).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const dir = new URL("../../src/domain/directory/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

describe("src/domain/directory", () => {
  it("has modules", () => {
    expect(files).toEqual(expect.arrayContaining(["schools.ts", "bassins.ts", "people.ts", "functions.ts", "uai.ts"]));
  });

  it.each(files)("%s imports only zod, its siblings and the domain, and touches no environment", (file) => {
    const source = readFileSync(new URL(file, dir), "utf8");
    const imports = [...source.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1] ?? "");
    for (const specifier of imports) {
      expect(specifier === "zod" || /^\.\.?\/[\w-]+\.js$/.test(specifier), specifier).toBe(true);
    }
    expect(source).not.toMatch(/\bprocess\.|\brequire\(|\bimport\(/);
  });
});
