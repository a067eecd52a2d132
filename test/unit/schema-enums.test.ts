// The domain repeats the Prisma enums so that it stays free of Prisma; this keeps both in step.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROLES, isRole, roleSchema } from "../../src/domain/roles.js";
import { CASE_STATUSES } from "../../src/domain/lifecycle.js";
import { LEGACY_OUTCOMES, OUTCOMES, PLAN_ACTION_STATUSES } from "../../src/domain/plan-catalogue.js";

const schema = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");

function prismaEnum(name: string): string[] {
  const body = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(schema)?.[1];
  if (body === undefined) throw new Error(`enum ${name} not found in schema.prisma`);
  return body
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//"));
}

describe("domain enums match schema.prisma", () => {
  it.each([
    ["Role", ROLES],
    ["CaseStatus", CASE_STATUSES],
    ["PlanActionStatus", PLAN_ACTION_STATUSES],
    // The legacy outcomes stay in the database's enum (closed cases hold them), after the others.
    ["OutcomeKind", [...OUTCOMES, ...LEGACY_OUTCOMES]],
  ] as const)("%s", (name, values) => {
    expect([...values]).toEqual(prismaEnum(name));
  });
});

describe("roles", () => {
  it.each([
    ["STAFF", true],
    ["CPE", true],
    ["HEAD", true],
    ["PSYEN", true],
    ["SOCIAL_WORKER", true],
    ["NURSE", true],
    ["IEN_IO", true],
    ["DSDEN", true],
    ["ADMIN", true],
    ["TEACHER", false],
    ["SYSTEM", false],
    ["admin", false],
    [undefined, false],
  ])("isRole(%j) is %s", (x, expected) => {
    expect(isRole(x)).toBe(expected);
    expect(roleSchema.safeParse(x).success).toBe(expected);
  });
});
