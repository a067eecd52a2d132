import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_DOWNLOAD_INFO } from "../../src/teams/imports/import-handler.js";
import { cardText, execute, person, personalMessage, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";
import { uaiOf } from "../helpers/directory-files.js";

/** The académie's directory files sent to the bot by an admin in personal chat, as Teams does: the
 *  ministry's school directory with its bassins, and the staff list; a preview card, then
 *  « Confirmer » or « Annuler » in place. Only the académie's admins may import them. */

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../data/samples");
const sample = (name: string) => readFileSync(path.join(SAMPLES, name), "utf8");
const bytes = (text: string) => new TextEncoder().encode(text);

const nathalie = person("Nathalie Roux"); // académie admin
const sophie = person("Sophie Laurent"); // MLDS coordinator, Bassin Nord
const claire = person("Claire Martin"); // teacher
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

/** Serves files the way Teams hands them to the bot: at a download URL. */
class FileHost {
  private files = new Map<string, Uint8Array>();
  private server = http.createServer((req, res) => {
    const file = this.files.get(req.url ?? "");
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(file.byteLength) });
    res.end(file);
  });
  url = "";
  private n = 0;
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  put(name: string, content: Uint8Array): string {
    const key = `/${++this.n}/${encodeURIComponent(name)}`;
    this.files.set(key, content);
    return `${this.url}${key}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The directory sample with rows changed: `lines` replaces or adds rows by UAI (first cell). */
function annuaire(change: (rows: string[][]) => string[][] = (r) => r): string {
  const [header, ...rows] = sample("annuaire-education.csv")
    .trimEnd()
    .split("\n")
    .map((l) => l.split(";"));
  return `${[header!, ...change(rows)].map((r) => r.join(";")).join("\n")}\n`;
}
const ofAcademy10 = (rows: string[][]) => rows.filter((r) => r[11] === "10");
/** A copy of a sample row (by UAI) with another UAI and name. */
function newSchool(rows: string[][], from: string, uai: string, name: string): string[] {
  const copy = [...rows.find((r) => r[0] === from)!];
  copy[0] = uai;
  copy[1] = name;
  return copy;
}

describe("the académie's directory files sent to the bot", () => {
  let bot: TestBot;
  let files: FileHost;
  const prisma = () => bot.app.store.db.prisma;

  /** Sends files (with words, or none) in the personal chat as Teams does; what the bot answered. */
  async function send(who: Person, sent: { name: string; content: string | Uint8Array }[], opts: { text?: string; locale?: string } = {}) {
    const activity = personalMessage(bot.connector.url, who, { locale: opts.locale, ...(opts.text !== undefined ? { text: opts.text } : {}) });
    activity.attachments = sent.map(({ name, content }) => ({
      contentType: FILE_DOWNLOAD_INFO,
      contentUrl: `https://contoso.sharepoint.com/personal/${name}`,
      name,
      content: { downloadUrl: files.put(name, typeof content === "string" ? bytes(content) : content), uniqueId: `u-${name}`, fileType: "csv" },
    }));
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    if (res.status >= 300) throw new Error(`HTTP ${res.status}`);
    const out = bot.connector.sent.slice(before);
    return {
      cards: out.flatMap((a) => (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content)),
      texts: out.map((a) => a.body.text).filter((t): t is string => typeof t === "string"),
    };
  }
  const buttons = (card: any): string[] => (card.actions ?? []).map((a: any) => a.title);
  const press = (who: Person, card: any, verb: "directory.confirm" | "directory.cancel", locale?: string) =>
    execute(bot, who, personalOf(who), verb, card.actions.find((a: any) => a.verb === verb).data, locale);

  beforeAll(async () => {
    files = await new FileHost().start();
    bot = await startTestBot({ env: { IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true" } });
  });
  afterAll(async () => {
    await bot?.stop();
    await files?.stop();
  });

  it("refuses the directory files to anyone but the académie's admins, in their words, before reading them", async () => {
    const schoolsBefore = await prisma().school.count();
    const importsBefore = await prisma().directoryImport.count();
    const byWords = await send(claire, [{ name: "liste.csv", content: sample("personnels.csv") }], { text: "personnels" });
    expect(byWords.texts).toEqual([
      "L'import de l'annuaire des établissements, des bassins et de la liste des personnels est réservé aux administrateurs Repère de l'académie.",
    ]);
    // A coordinator may import campaign lists: the file is read, and its columns say it is the directory.
    const byColumns = await send(sophie, [{ name: "export.csv", content: annuaire() }]);
    expect(byColumns.texts).toEqual([
      "L'import de l'annuaire des établissements, des bassins et de la liste des personnels est réservé aux administrateurs Repère de l'académie.",
    ]);
    expect(byColumns.cards).toEqual([]);
    expect(await prisma().school.count()).toBe(schoolsBefore);
    expect(await prisma().directoryImport.count()).toBe(importsBefore);
  });

  it("lists a bad directory's errors by line and column, the first 20 then the count, and offers no « Confirmer »", async () => {
    const bad = annuaire((rows) => [
      ...ofAcademy10(rows),
      ...Array.from({ length: 25 }, (_, i) => newSchool(rows, "0690003D", `06901${String(i).padStart(2, "0")}`, `Collège ${i}`)),
    ]);
    const { cards, texts } = await send(nathalie, [{ name: "annuaire-erreurs.csv", content: bad }]);
    expect(texts).toEqual([]);
    const text = cardText(cards[0]);
    expect(text).toContain("Erreurs (25) : rien ne sera importé. Corrigez le fichier puis renvoyez-le.");
    // (Teams reads the text as Markdown: the underscores of the column title are escaped.)
    expect(text).toContain("annuaire ligne 12, colonne 1 (Identifiant\\_de\\_l\\_etablissement) : code UAI invalide (7 chiffres et une lettre) (« 0690100 »)");
    expect(text).toContain("annuaire ligne 31, colonne 1");
    expect(text).not.toContain("annuaire ligne 32,");
    expect(text).toContain("… et 5 autre(s).");
    expect(buttons(cards[0])).toEqual(["Annuler"]);
    expect(cardText(await press(nathalie, cards[0], "directory.cancel"))).toBe("Import annulé : rien n'a changé.");
  });

  it("takes the académie from the words sent with the directory, or from the file when it names only one", async () => {
    const several = await send(nathalie, [{ name: "annuaire-national.csv", content: annuaire() }]);
    expect(several.cards).toEqual([]);
    expect(several.texts[0]).toMatch(/^L'annuaire « annuaire-national\.csv » couvre plusieurs académies .*« annuaire académie 10 » pour Lyon/);

    const named = await send(nathalie, [{ name: "annuaire-national.csv", content: annuaire() }], { text: "annuaire académie 10" });
    const namedText = cardText(named.cards[0]);
    expect(namedText).toContain("Académie 10");
    expect(namedText).toContain("autre académie : 1");
    expect(namedText).toContain("écoles (premier degré) : 1");

    const single = await send(nathalie, [{ name: "annuaire-lyon.csv", content: annuaire(ofAcademy10) }]);
    const singleText = cardText(single.cards[0]);
    expect(singleText).toContain("Import de l'annuaire des établissements · annuaire-lyon.csv\nAcadémie 10");
    expect(singleText).not.toContain("autre académie");
    for (const card of [named.cards[0], single.cards[0]]) await press(nathalie, card, "directory.cancel");
  });

  it("keeps a bassins file sent alone for the next directory file, previews, cancels, then imports on « Confirmer » once", async () => {
    const newUai = uaiOf("0690008");
    const withNew = annuaire((rows) => [
      ...ofAcademy10(rows),
      newSchool(rows, "0690003D", newUai, "Collège Rosa-Parks").map((c, i, all) => (i >= all.length - 2 ? "" : c)),
    ]);
    const bassins = `${sample("bassins.csv").trimEnd()}\n${newUai};EST;Bassin Est\n`;

    const kept = await send(nathalie, [{ name: "bassins.csv", content: bassins }], { text: "bassins" });
    expect(kept.texts).toEqual([
      "Fichier des bassins « bassins.csv » reçu : 8 établissement(s) dans 3 bassin(s). Envoyez maintenant l'annuaire des établissements : Repère l'utilisera avec ces bassins.",
    ]);
    expect(kept.cards).toEqual([]);

    const first = await send(nathalie, [{ name: "annuaire.csv", content: withNew }], { text: "annuaire académie 10" });
    const preview = cardText(first.cards[0]);
    expect(preview).toContain("Bassins : bassins.csv");
    // The demo académie was itself loaded from these sample files: only the new collège is created.
    expect(preview).toMatch(/À créer\n1\n/);
    expect(preview).toMatch(/Nouveaux bassins\nEST\n/);
    expect(preview).toMatch(/Fermés \(gardés avec leurs dossiers\)\n1\n/);
    expect(preview).toContain(
      `${newUai} Collège Rosa-Parks : aucun référent décrochage ni chef d'établissement ; aucun coordonnateur MLDS ni canal pour le bassin`,
    );
    expect(buttons(first.cards[0])).toEqual(["Confirmer", "Annuler"]);
    expect(cardText(await press(nathalie, first.cards[0], "directory.cancel"))).toBe("Import annulé : rien n'a changé.");
    expect(await prisma().school.findUnique({ where: { uai: newUai } })).toBeNull();
    expect(cardText(await press(nathalie, first.cards[0], "directory.confirm"))).toBe("Cet import a été annulé : renvoyez le fichier pour un nouvel aperçu.");

    // The kept bassins went with that preview: the same directory alone has no bassin for the new school.
    const again = await send(nathalie, [{ name: "annuaire.csv", content: withNew }], { text: "annuaire académie 10" });
    const againText = cardText(again.cards[0]);
    expect(againText).toContain("Sans fichier des bassins");
    expect(againText).toContain(`Établissements sans bassin, non créés (ajoutez-les au fichier des bassins)\nLigne 12 · ${newUai} Collège Rosa-Parks`);
    await press(nathalie, again.cards[0], "directory.cancel");

    // Both files in one message.
    const both = await send(nathalie, [
      { name: "annuaire.csv", content: withNew },
      { name: "bassins.csv", content: bassins },
    ]);
    expect(both.cards).toHaveLength(1);
    expect(cardText(both.cards[0])).toContain("Bassins : bassins.csv");
    const done = cardText(await press(nathalie, both.cards[0], "directory.confirm"));
    expect(done).toContain("Annuaire importé");
    expect(done).toContain("Import terminé. 1 établissement(s) créé(s), 0 mis à jour, 7 inchangé(s), 1 fermé(s) ; 1 bassin(s) créé(s).");
    expect(done).toMatch(/\d+ établissement\(s\) ouvert\(s\) sans responsable/);
    const school = await prisma().school.findUnique({ where: { uai: newUai }, include: { district: true } });
    expect([school?.name, school?.district.code, school?.district.name]).toEqual(["Collège Rosa-Parks", "EST", "Bassin Est"]);
    const closed = await prisma().school.findUnique({ where: { uai: "0690007H" } });
    expect(closed?.state).toBe("CLOSED");

    // A second click finds it done; the same file again has nothing to change.
    expect(cardText(await press(nathalie, both.cards[0], "directory.confirm"))).toBe("Cet annuaire a déjà été importé.");
    const same = await send(nathalie, [
      { name: "annuaire.csv", content: withNew },
      { name: "bassins.csv", content: bassins },
    ]);
    expect(cardText(same.cards[0])).toContain("Rien à changer : l'annuaire de Repère est déjà à jour.");
    expect(buttons(same.cards[0])).toEqual(["Annuler"]);
    await press(nathalie, same.cards[0], "directory.cancel");
  });

  it("previews a staff list by role, with who changes and who is missing, and applies it once", async () => {
    // The demo académie was loaded from the sample list: this year's list adds two people to it.
    const list = `${sample("personnels.csv").trimEnd()}\nNouveau;Paul;paul.nouveau@demo.repere.fr;Professeur;0690001B\nDurand;Anne;anne.durand@demo.repere.fr;CPE;0690002C\n`;
    const first = await send(nathalie, [{ name: "personnels.csv", content: list }]);
    expect(first.texts).toEqual([]);
    const preview = cardText(first.cards[0]);
    expect(preview).toContain("Liste des personnels · personnels.csv");
    expect(preview).toContain("Par rôle\nEnseignant ou autre personnel : 3\n");
    expect(preview).toContain("Coordonnateur MLDS : 2");
    expect(preview).toMatch(/Nouvelles personnes\n2\n/);
    expect(buttons(first.cards[0])).toEqual(["Confirmer", "Annuler"]);
    const done = cardText(await press(nathalie, first.cards[0], "directory.confirm"));
    expect(done).toContain("Liste appliquée");
    expect(done).toContain("2 personne(s) créée(s)");
    expect(await prisma().member.findFirst({ where: { email: "ines.moreau@demo.repere.fr" }, select: { role: true } })).toEqual({ role: "REFERENT" });
    expect(cardText(await press(nathalie, first.cards[0], "directory.confirm"))).toBe("Cette liste a déjà été appliquée.");

    // Next year's list: Julie Bernard is a teacher now, Karim Benali has left.
    const next = list
      .replace("Conseillère principale d'éducation", "Professeure")
      .split("\n")
      .filter((l) => !l.startsWith("Benali;"))
      .join("\n");
    const second = await send(nathalie, [{ name: "personnels-2027.csv", content: next }], { text: "personnels" });
    const changes = cardText(second.cards[0]);
    expect(changes).toContain("Modifications\nLigne 9 · Julie Bernard : rôle → Enseignant ou autre personnel");
    expect(changes).toMatch(
      /À désactiver \(absentes de la liste ; rien n'est supprimé\)\nKarim Benali \(karim\.benali@demo\.repere\.fr\) · Référent décrochage scolaire/,
    );
    expect(cardText(await press(nathalie, second.cards[0], "directory.cancel"))).toBe("Import annulé : rien n'a changé.");
    expect(cardText(await press(nathalie, second.cards[0], "directory.cancel"))).toBe(
      "Cet import n'attend plus de confirmation : il a déjà été importé ou annulé.",
    );
  });

  it("answers in English to an English Teams", async () => {
    const kept = await send(nathalie, [{ name: "bassins.csv", content: sample("bassins.csv") }], { locale: "en-US" });
    expect(kept.texts[0]).toMatch(/^Bassins file « bassins\.csv » received: 7 school\(s\) in 2 bassin\(s\)\./);
    const people = await send(
      nathalie,
      [{ name: "staff.csv", content: "Nom;Prénom;Courriel;Fonction;Rattachement\nNoël;Zoé;zoe.noel@demo.repere.fr;Professeure;0690001B\n" }],
      {
        locale: "en-US",
      },
    );
    expect(cardText(people.cards[0])).toContain("By role\n");
    expect(buttons(people.cards[0])).toEqual(["Confirm", "Cancel"]);
    expect(cardText(await press(nathalie, people.cards[0], "directory.cancel", "en-US"))).toBe("Import cancelled: nothing changed.");
    const refused = await send(claire, [{ name: "bassins.csv", content: sample("bassins.csv") }], { text: "bassins", locale: "en-US" });
    expect(refused.texts).toEqual(["Importing the school directory, the bassins and the staff list is reserved for the académie's Repère administrators."]);
  });
});
