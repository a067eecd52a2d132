import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROLES } from "../../src/domain/roles.js";

// Roles are shown to people (the staff list's preview, self-enrolment): each has a label in both languages.
describe.each(["fr", "en"])("role labels in %s", (lang) => {
  const labels = JSON.parse(readFileSync(new URL(`../../src/teams/locales/${lang}/roles.json`, import.meta.url), "utf8")).role as Record<string, string>;
  it("name every role and nothing else", () => {
    expect(Object.keys(labels).sort()).toEqual([...ROLES].sort());
  });
});
