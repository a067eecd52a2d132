import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/index.js";
import { openTestDatabase, POSTGRES_URL } from "../helpers/database.js";
import { csvBytes, listRow } from "../helpers/import-files.js";
import { seedDemo } from "../../src/services/demo-academie.js";

/** `npm run import -- FILE --district NORD [--yes]` as the académie's IT team runs it. */
function runImport(args: string[], opts: { env: Record<string, string>; input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/import.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "silent", ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(opts.input ?? "");
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("npm run import", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dir: string;
  let env: Record<string, string>;
  let list: string;

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    await seedDemo(createStore(db), { onlyIfEmpty: false });
    env = { DATABASE_URL: `${POSTGRES_URL}?schema=${db.schema}` };
    dir = mkdtempSync(path.join(tmpdir(), "repere-import-"));
    list = path.join(dir, "liste-nord.csv");
    writeFileSync(
      list,
      csvBytes(
        [
          listRow({ nom: "Cli", prenom: "Léa", naissance: "15/03/2009", uai: "0690001B", motif: "non affecté", telephone: "06 00 00 00 00" }),
          listRow({ nom: "Cli", prenom: "Noé", naissance: "15/03/2009", uai: "0690004E" }),
        ],
        { encoding: "windows-1252", separator: "," },
      ),
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("prints the preview and imports nothing when the answer is no", async () => {
    const r = await runImport([list, "--district", "NORD"], { env, input: "n\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Import de liste · liste-nord.csv");
    expect(r.stdout).toContain("Source : campagne de repérage");
    expect(r.stdout).toMatch(/Nouveaux dossiers\s+1/);
    expect(r.stdout).toContain("Ligne 3 · Dernier établissement (UAI) : établissement d'un autre bassin (« 0690004E »)");
    expect(r.stdout).toContain("1 numéro(s) de téléphone, 0 e-mail(s) conservés pour les coordonnateurs.");
    expect(r.stdout).toContain("Confirmer l'import de 1 ligne(s) ? (o/N) ");
    expect(r.stdout).toContain("Import annulé");
    expect(await db.prisma.case.count()).toBe(0);
  });

  it("imports with --yes, then recognises the same file", async () => {
    const r = await runImport([list, "--district", "nord", "--yes"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Import terminé\. 1 dossier\(s\) créé\(s\), 0 rattaché\(s\) à un dossier ouvert, 0 déjà présent\(s\)\. Références D-\d{4}-0001 à D-\d{4}-0001/,
    );
    const c = await db.prisma.case.findFirstOrThrow({ include: { pupil: true } });
    expect(c).toMatchObject({ source: "IMPORT", pupil: { lastName: "Cli", firstName: "Léa" } });
    expect(await db.prisma.importBatch.findFirstOrThrow({ where: { status: "IMPORTED" } })).toMatchObject({ importedById: null, createdCount: 1 });

    const again = await runImport([list, "--district", "NORD", "--yes"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Ce fichier a déjà été importé le .*Rien de nouveau n'est créé\.\n$/);
    expect(await db.prisma.case.count()).toBe(1);
  });

  it("stops with one readable line and exit code 1 on an error", async () => {
    const layout = path.join(dir, "colonnes.csv");
    writeFileSync(layout, "Élève;Classe\nDurand;2nde\n");
    const [unknownDistrict, missingFile, noDistrict, badLayout] = await Promise.all([
      runImport([list, "--district", "EST", "--yes"], { env }),
      runImport([path.join(dir, "absent.csv"), "--district", "NORD"], { env }),
      runImport([list], { env }),
      runImport([layout, "--district", "NORD", "--yes"], { env }),
    ]);
    expect(unknownDistrict).toMatchObject({ code: 1, stderr: "Aucun bassin n'a le code « EST ».\n" });
    expect(missingFile).toMatchObject({ code: 1, stderr: `Import failed: cannot read ${path.join(dir, "absent.csv")}: ENOENT\n` });
    expect(noDistrict).toMatchObject({ code: 1, stderr: "usage: npm run import -- FILE --district CODE [--yes]\n" });
    expect(badLayout.code).toBe(1);
    expect(badLayout.stderr.trim().split("\n")).toHaveLength(1);
    expect(badLayout.stderr).toContain("Repère ne trouve pas dans ce fichier les colonnes : nom, prénom, date de naissance, dernier établissement (UAI).");
  });
});
