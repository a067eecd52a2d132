import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseStorage, ETagConflictError } from "../../src/store/bot-state-storage.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";

describe.each(DATABASE_KINDS)("dialog state storage on %s", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let storage: DatabaseStorage;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    storage = new DatabaseStorage(db.kysely);
  });
  afterAll(async () => db?.drop());

  it("reads back what it wrote, with an eTag, and forgets deleted keys", async () => {
    await storage.write({ "conv/1": { dialogStack: [{ id: "report", state: { step: 2, pupil: { lastName: "Durand" } } }] } });
    const items = await storage.read(["conv/1", "missing"]);
    expect(Object.keys(items)).toEqual(["conv/1"]);
    expect(items["conv/1"]).toMatchObject({ dialogStack: [{ id: "report", state: { step: 2, pupil: { lastName: "Durand" } } }] });
    expect(items["conv/1"]!.eTag).toEqual(expect.any(String));
    await storage.delete(["conv/1"]);
    expect(await storage.read(["conv/1"])).toEqual({});
  });

  it("accepts a write with the current eTag and refuses one with a stale eTag", async () => {
    await storage.write({ k: { n: 1 } });
    const first = (await storage.read(["k"]))["k"]!;
    await storage.write({ k: { n: 2, eTag: first.eTag } });
    await expect(storage.write({ k: { n: 3, eTag: first.eTag } })).rejects.toBeInstanceOf(ETagConflictError);
    expect((await storage.read(["k"]))["k"]).toMatchObject({ n: 2 });
  });

  it("lets exactly one of two concurrent writes holding the same eTag win", async () => {
    await storage.write({ race: { winner: "none" } });
    const { eTag } = (await storage.read(["race"]))["race"]!;
    const results = await Promise.allSettled([storage.write({ race: { winner: "A", eTag } }), storage.write({ race: { winner: "B", eTag } })]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ETagConflictError);
    const stored = (await storage.read(["race"]))["race"]!;
    expect(stored.winner).toBe(results[0]!.status === "fulfilled" ? "A" : "B");
  });

  it("lets only one of two concurrent first writes of a new key with an eTag win", async () => {
    const results = await Promise.allSettled([storage.write({ fresh: { by: "A", eTag: "stale-1" } }), storage.write({ fresh: { by: "B", eTag: "stale-2" } })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("writes unconditionally with eTag * or none", async () => {
    await storage.write({ free: { v: 1 } });
    await storage.write({ free: { v: 2, eTag: "*" } });
    await storage.write({ free: { v: 3 } });
    expect((await storage.read(["free"]))["free"]).toMatchObject({ v: 3 });
  });
});
