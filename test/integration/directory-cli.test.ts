import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, POSTGRES_URL } from "../helpers/database.js";

/** `npm run directory:schools` and `npm run directory:check` as the académie's IT team runs them. */
function run(
  script: string,
  args: string[],
  opts: { env: Record<string, string>; input?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
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
const schools = (args: string[], opts: { env: Record<string, string>; input?: string }) => run("scripts/directory-schools.ts", args, opts);
const check = (args: string[], opts: { env: Record<string, string> }) => run("scripts/directory-check.ts", args, opts);

describe("npm run directory:schools and directory:check", () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let dir: string;
  let env: Record<string, string>;
  const annuaire = path.resolve("data/samples/annuaire-education.csv");
  const bassins = path.resolve("data/samples/bassins.csv");

  beforeAll(async () => {
    db = await openTestDatabase("postgres");
    env = { DATABASE_URL: `${POSTGRES_URL}?schema=${db.schema}` };
    dir = mkdtempSync(path.join(tmpdir(), "repere-directory-"));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it("refuses bad usage with exit code 2", async () => {
    const r = await schools([annuaire], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: npm run directory:schools");
  });

  it("prints the preview in French and imports nothing when the answer is no", async () => {
    const r = await schools([annuaire, "--academie", "10", "--bassins", bassins], { env, input: "n\n" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Import de l'annuaire des établissements · annuaire-education.csv");
    expect(r.stdout).toMatch(/À créer\s+7/);
    expect(r.stdout).toMatch(/Fermés \(gardés avec leurs dossiers\)\s+1/);
    expect(r.stdout).toContain("autre académie : 1");
    expect(r.stdout).toContain("Établissements sans responsable après l'import (6)");
    expect(r.stdout).toContain("Confirmer l'import (7 à créer, 0 à mettre à jour) ? (o/N) ");
    expect(r.stdout).toContain("Import annulé : rien n'a changé.");
    expect(await db.prisma.school.count()).toBe(0);
  });

  it("imports with --yes, then finds nothing to change", async () => {
    const r = await schools([annuaire, "--academie", "10", "--bassins", bassins, "--yes"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Import terminé. 7 établissement(s) créé(s), 0 mis à jour, 0 inchangé(s), 1 fermé(s) ; 2 bassin(s) créé(s).");
    expect(await db.prisma.school.count()).toBe(7);
    const again = await schools([annuaire, "--academie", "10", "--bassins", bassins, "--yes"], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Rien à changer : l'annuaire de Repère est déjà à jour.");
    expect(await db.prisma.school.count()).toBe(7);
  });

  it("refuses a file with errors (line and column) with exit code 1, changing nothing", async () => {
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, readFileSync(annuaire, "utf8").replace("Collège Jules-Ferry", "Collège renommé").replace("0690004E;", "0690004X;"));
    const r = await schools([bad, "--academie", "10", "--yes"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "annuaire ligne 5, colonne 1 (Identifiant_de_l_etablissement) : la lettre de contrôle de l'UAI ne correspond pas (« 0690004X »)",
    );
    expect(r.stderr).toContain("Le fichier comporte des erreurs : rien n'est importé.");
    expect(await db.prisma.school.count({ where: { name: "Collège renommé" } })).toBe(0);
  });

  it("lists the schools without an owner by bassin, exit code 1, and 0 once every school has one", async () => {
    const r = await check([], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("6 établissement(s) ouvert(s) sans responsable");
    expect(r.stdout).toContain(
      "Bassin NORD · Bassin Nord\n  0690003D Collège Jules-Ferry : aucun référent décrochage ni chef d'établissement ; aucun coordonnateur MLDS ni canal pour le bassin",
    );
    expect(r.stdout).not.toContain("Louis-Pasteur"); // closed

    for (const s of await db.prisma.school.findMany({ include: { district: true } })) {
      await db.prisma.member.create({ data: { displayName: `Réf ${s.uai}`, role: "REFERENT", schools: { create: { schoolId: s.id } } } });
    }
    for (const d of await db.prisma.district.findMany())
      await db.prisma.member.create({ data: { displayName: `Coord ${d.code}`, role: "COORDINATOR", districtId: d.id } });
    const ok = await check(["--academie", "10"], { env });
    expect(ok.stdout).toContain("Chaque établissement ouvert a un responsable");
    expect(ok.code).toBe(0);
  });
});
