import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";

describe.each(DATABASE_KINDS)("statements straight on the pool, on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  const zone = process.env.TZ;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    // Timestamps must not depend on the process's time zone (Prisma stores UTC wall time).
    process.env.TZ = "America/New_York";
  });
  afterAll(async () => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    await db?.drop();
  });

  it("reads and writes timestamps and dates as Prisma does, whatever the time zone", async () => {
    const at = new Date("2026-11-28T13:39:00.123Z");
    const [row] = await db.sql.rows<{ sent: Date; fixed: Date; day: Date }>(
      "test_times",
      `SELECT $1::timestamp(3) AS "sent", '2026-03-29 01:30:00.5'::timestamp AS "fixed", '2026-01-02'::date AS "day"`,
      [at],
    );
    expect(row!.sent.toISOString()).toBe(at.toISOString());
    expect(row!.fixed.toISOString()).toBe("2026-03-29T01:30:00.500Z");
    expect(row!.day.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    // What Prisma reads back from a row written by a hot statement is the same instant.
    const districtId = "d-hot";
    await db.prisma.district.create({ data: { id: districtId, code: "HOT", name: "Hot" } });
    await db.sql.rowCount("test_touch", `UPDATE "District" SET "createdAt" = $2::timestamp WHERE "id" = $1`, [districtId, at]);
    const back = await db.prisma.district.findUniqueOrThrow({ where: { id: districtId } });
    expect(back.createdAt.toISOString()).toBe(at.toISOString());
    const [again] = await db.sql.rows<{ createdAt: Date }>("test_read", `SELECT "createdAt" FROM "District" WHERE "id" = $1`, [districtId]);
    expect(again!.createdAt.toISOString()).toBe(at.toISOString());
  });

  it("runs a named statement again with other values, and an unnamed one built per call", async () => {
    for (const n of [1, 2, 3]) {
      const [row] = await db.sql.rows<{ n: number }>("test_named", `SELECT $1::int * 2 AS "n"`, [n]);
      expect(row!.n).toBe(n * 2);
    }
    const ids = ["a", "b", "c"];
    const rows = await db.sql.rows<{ v: string }>(null, `SELECT unnest(ARRAY[${ids.map((_, i) => `$${i + 1}`).join(", ")}]::text[]) AS "v"`, ids);
    expect(rows.map((r) => r.v)).toEqual(ids);
  });
});
