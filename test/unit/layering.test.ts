// The folder roles of DESIGN.md, kept by a test: only src/teams speaks Bot Framework (so that the
// move to the Microsoft 365 Agents SDK touches that folder only), only src/store speaks Prisma and
// SQL, only src/config.ts reads the environment.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");
const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith(".ts") && !f.startsWith(`generated${path.sep}`))
  .map((f) => ({ file: f.split(path.sep).join("/"), text: readFileSync(path.join(SRC, f), "utf8") }));
const importsOf = (text: string) => [...text.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]!);

function offenders(allowed: (file: string) => boolean, forbidden: (specifier: string) => boolean): string[] {
  return sources.filter((s) => !allowed(s.file) && importsOf(s.text).some(forbidden)).map((s) => s.file);
}

describe("folder roles", () => {
  it("sees the sources", () => {
    expect(sources.length).toBeGreaterThan(100);
  });

  it("only src/teams imports botbuilder", () => {
    expect(
      offenders(
        (f) => f.startsWith("teams/"),
        (s) => s === "botbuilder" || s.startsWith("botbuilder-") || s.startsWith("botbuilder/"),
      ),
    ).toEqual([]);
  });

  it("only src/store imports Prisma, pg, PGlite or the SQL builder", () => {
    const database = (s: string) => /^(@prisma\/|pg$|kysely$|@electric-sql\/)/.test(s) || s.includes("generated/prisma");
    expect(offenders((f) => f.startsWith("store/"), database)).toEqual([]);
  });

  it("only src/config.ts reads the environment", () => {
    expect(sources.filter((s) => s.file !== "config.ts" && /\bprocess\.env\b/.test(s.text)).map((s) => s.file)).toEqual([]);
  });
});
