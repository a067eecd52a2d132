import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, POSTGRES_URL } from "../helpers/database.js";
import { seedPlaces } from "../helpers/directory-places.js";

/** `npm run directory:people -- FILE.csv [--yes]` as the académie's IT team runs it. */
function run(args: string[], opts: { env: Record<string, string>; input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/directory-people.ts", ...args], {
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

describe("npm run directory:people", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dir: string;
  let env: Record<string, string>;
  const sample = path.resolve("data/samples/personnels.csv");

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    await seedPlaces(db);
    env = { DATABASE_URL: `${POSTGRES_URL}?schema=${db.schema}` };
    dir = mkdtempSync(path.join(tmpdir(), "repere-people-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("prints the preview in French and changes nothing when the answer is no", async () => {
    const r = await run([sample], { env, input: "n\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Liste des personnels · personnels.csv");
    expect(r.stdout).toMatch(/Nouvelles personnes\s+15/);
    expect(r.stdout).toContain("Coordonnateur MLDS : 2");
    expect(r.stdout).toContain("Appliquer ces changements (15 personne(s)) ? (o/N) ");
    expect(r.stdout).toContain("Import annulé : rien n'a changé.");
    expect(await db.prisma.member.count()).toBe(0);
    expect(await db.prisma.directoryImport.findFirstOrThrow()).toMatchObject({ status: "CANCELLED", rows: null });
  });

  it("applies with --yes, then finds nothing to change in the same list", async () => {
    const r = await run([sample, "--yes"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Liste appliquée. 15 personne(s) créée(s), 0 modifiée(s) (dont 0 réactivée(s)), 0 inchangée(s).");
    expect(await db.prisma.member.count()).toBe(15);

    const again = await run([sample, "--yes"], { env });
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toMatch(/Inchangées\s+15/);
    expect(again.stdout).toContain("Rien à changer : la liste correspond déjà aux personnes connues.");
    expect(await db.prisma.member.count()).toBe(15);
  });

  it("lists every error with line and column, exits 1 and changes nothing", async () => {
    const bad = path.join(dir, "erreurs.csv");
    writeFileSync(
      bad,
      "Nom;Prénom;Courriel;Fonction;Rattachement\nNeuf;Jean;jean.neuf@demo.repere.fr;Professeur;0690007H\nDurand;Paul;pas-un-mail;Jardinier;0690001B\n",
    );
    const layout = path.join(dir, "colonnes.csv");
    writeFileSync(layout, "Nom;Prénom\nDurand;Paul\n");
    const [r, badLayout, usage] = await Promise.all([run([bad, "--yes"], { env }), run([layout, "--yes"], { env }), run([], { env })]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Ligne 3, colonne 3 (Courriel) : adresse de courriel invalide");
    expect(r.stdout).toContain("Ligne 3, colonne 4 (Fonction) : fonction inconnue");
    expect(r.stdout).toMatch(/Lignes en erreur\s+1/);
    expect(badLayout).toMatchObject({ code: 1, stdout: "" });
    expect(badLayout.stderr).toContain("Repère ne trouve pas dans ce fichier les colonnes : courriel, fonction, rattachement.");
    expect(usage).toMatchObject({ code: 1, stderr: "usage: npm run directory:people -- FILE.csv [--yes]\n" });
    expect(await db.prisma.member.count({ where: { email: "jean.neuf@demo.repere.fr" } })).toBe(0);
  });
});
