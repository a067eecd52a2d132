/* eslint-disable no-control-regex -- the test looks for control characters. */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStore, type Store } from "../../src/store/index.js";
import { createServices, type Actor, type Services } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { IMPORT_SETTINGS } from "../../src/services/imports.js";
import { DATABASE_KINDS, openTestDatabase } from "../helpers/database.js";
import { csvBytes, generatedList, listRow } from "../helpers/import-files.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** Lists as they may really come: a control character in a cell, the largest list announced. */

const RENTREE = new Date("2026-09-15T08:00:00Z");
const NORD_UAIS = ["0690001B", "0690002C", "0690003D"] as const;
const aad = (name: string) => DEMO_PEOPLE.find((p) => p.displayName === name)!.aadObjectId;

describe.each(DATABASE_KINDS)("hostile and large lists on the %s database", (kind) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: Store;
  let services: Services;
  const sophie = async () => (await services.members.identify(DEMO_TENANT_ID, aad("Sophie Laurent"))) as Actor;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    store = createStore(db);
    await seedDemo(store, { onlyIfEmpty: false });
    services = createServices(store, () => RENTREE);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("reports a cell holding U+0000 as a row error, and previews the other rows", async () => {
    const rows = [
      listRow({ nom: "Du\u0000rand", prenom: "Léa", naissance: "15/03/2009", uai: "0690001B" }),
      listRow({ nom: "Petit", prenom: "Noé", naissance: "02/05/2010", uai: "0690001B", motif: "non affecté\u0000" }),
      listRow({ nom: "Garnier", prenom: "Zoé", naissance: "01/02/2009", uai: "0690001B" }),
    ];
    const outcome = await services.imports.preview({ kind: "member", actor: await sophie() }, { name: "nul.csv", bytes: csvBytes(rows) });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    expect(outcome.preview.ready).toBe(1);
    expect(outcome.preview.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [2, "lastName", "CONTROL_CHARACTER"],
      [3, "motif", "CONTROL_CHARACTER"],
    ]);
    // What a card shows of the refused value holds no control character either.
    for (const e of outcome.preview.errors) expect(e.value ?? "").not.toMatch(/[\u0000-\u001F]/);
    expect(await store.imports.waitingRows(outcome.preview.batchId)).toBe(1);
  });

  it("previews the largest list announced (20,000 rows) without one long interactive transaction", async () => {
    const transaction = vi.spyOn(db.prisma, "$transaction");
    try {
      const bytes = csvBytes(generatedList(IMPORT_SETTINGS.maxRows, NORD_UAIS, { withIne: true }));
      const outcome = await services.imports.preview({ kind: "member", actor: await sophie() }, { name: "siei-20000.csv", bytes });
      if (!outcome.ok) throw new Error(JSON.stringify(outcome));
      expect(outcome.preview).toMatchObject({ totalRows: 20_000, ready: 20_000, errors: [] });
      expect(await store.imports.waitingRows(outcome.preview.batchId)).toBe(20_000);
      // Interactive transactions (a callback) time out after 5 s whatever the database does meanwhile.
      expect(transaction.mock.calls.filter(([arg]) => typeof arg === "function")).toEqual([]);
      const batch = await store.imports.get(outcome.preview.batchId);
      expect(batch?.status).toBe("PREVIEW");
      const rows = await store.imports.rowsOf(outcome.preview.batchId);
      expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 2));
    } finally {
      transaction.mockRestore();
    }
  }, 240_000);
});
