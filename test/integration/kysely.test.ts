import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepared, runNamed } from "../../src/store/kysely.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";

describe.each(DATABASE_KINDS)("the store's statements, on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  const zone = process.env.TZ;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    // Instants and dates must not depend on the process's time zone.
    process.env.TZ = "America/New_York";
  });
  afterAll(async () => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    await db?.drop();
  });

  it("write and read instants and calendar dates as they are, whatever the time zone", async () => {
    const at = new Date("2026-11-28T13:39:00.123Z");
    await db.kysely.insertInto("District").values({ id: "d-k", code: "K", name: "K", createdAt: at }).execute();
    await db.kysely.insertInto("School").values({ id: "s-k", uai: "0690001B", name: "S", kind: "COLLEGE", districtId: "d-k" }).execute();
    // A birth date at UTC midnight is the 3 May, not the 2 May it is in New York at that instant.
    const born = new Date("2010-05-03T00:00:00Z");
    await db.kysely
      .insertInto("Pupil")
      .values({ id: "p-k", schoolId: "s-k", lastName: "L", firstName: "F", nameKey: "l f", birthYear: 2010, birthDate: born })
      .execute();
    const district = await db.kysely.selectFrom("District").select("createdAt").where("id", "=", "d-k").executeTakeFirstOrThrow();
    expect(district.createdAt.toISOString()).toBe(at.toISOString());
    const pupil = await db.kysely
      .selectFrom("Pupil")
      .select(["birthDate", sql<string>`"birthDate"::text`.as("stored")])
      .where("id", "=", "p-k")
      .executeTakeFirstOrThrow();
    expect(pupil.stored).toBe("2010-05-03");
    expect(pupil.birthDate?.toISOString()).toBe(born.toISOString());
    // What Prisma reads is the same instant.
    expect((await db.prisma.district.findUniqueOrThrow({ where: { id: "d-k" } })).createdAt.toISOString()).toBe(at.toISOString());
  });

  it("prepare a statement once per text, with a name that says what it is when it is given one", async () => {
    const prepared = async () => (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db.kysely)).rows.map((r) => r.name);
    for (const n of [1, 2, 3]) {
      const [row] = await runNamed(db.kysely, "test_double", db.kysely.selectNoFrom(sql<number>`${n}::int * 2`.as("n")));
      expect(row!.n).toBe(n * 2);
    }
    // Lists go as one array parameter: one text whatever their length.
    for (const ids of [["a"], ["a", "b", "c"]]) {
      const rows = await db.kysely.selectNoFrom(sql<string>`unnest(${ids}::text[])`.as("v")).execute();
      expect(rows.map((r) => r.v)).toEqual(ids);
    }
    const names = await prepared();
    expect(names.filter((n) => n.startsWith("test_double."))).toHaveLength(1);
  });

  it("compile a hot statement once and put each call's arguments in their places, null included", async () => {
    await db.kysely
      .insertInto("District")
      .values([
        { id: "d-p1", code: "P1", name: "Prepared one" },
        { id: "d-p2", code: "P2", name: "Prepared two" },
      ])
      .execute();
    let builds = 0;
    const byCode = prepared("test_by_code", (k, code: string | null, name: string) => {
      builds++;
      return k
        .selectFrom("District")
        .select(["id", sql<string>`${name}::text`.as("echoed")])
        .where("code", "=", code)
        .where("id", "like", "d-p%");
    });
    expect(await byCode(db.kysely, "P2", "first")).toEqual([{ id: "d-p2", echoed: "first" }]);
    expect(await byCode(db.kysely, "P1", "second")).toEqual([{ id: "d-p1", echoed: "second" }]);
    expect(await byCode(db.kysely, null, "third")).toEqual([]);
    expect(builds).toBe(1);
    const names = (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements`.execute(db.kysely)).rows.map((r) => r.name);
    expect(names.filter((n) => n.startsWith("test_by_code."))).toHaveLength(1);
  });

  it("build at each call a statement whose text depends on its arguments", async () => {
    let builds = 0;
    // The argument decides the text (a literal): stand-ins cannot be swapped, so each call builds.
    const literal = prepared("test_literal", (k, n: number) => {
      builds++;
      return k.selectNoFrom(sql.lit(n).as("n"));
    });
    expect(await literal(db.kysely, 4)).toEqual([{ n: 4 }]);
    expect(await literal(db.kysely, 5)).toEqual([{ n: 5 }]);
    expect(builds).toBe(3);
  });
});
