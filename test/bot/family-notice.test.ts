import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";

const karim = person("Karim Benali");
const sophie = person("Sophie Laurent");
const nathalie = person("Nathalie Roux");

/** The URL of the card's download button. */
function downloadUrl(card: unknown): string {
  const found = JSON.stringify(card).match(/"type":"Action.OpenUrl","title":"[^"]*","url":"([^"]+)"/);
  if (!found) throw new Error(`no download on the card:\n${cardText(card)}`);
  return found[1]!;
}

/** The information notice for families: the académie's admins set what it says, any member asks
 *  for it and downloads it from a signed link that expires. */
describe("the information notice for families", () => {
  let bot: TestBot;
  let offsetMs = 0;

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => new Date(Date.now() + offsetMs) });
    for (const p of [karim, sophie, nathalie]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("lets only the académie's admins set the controller and the DPO's contact, keeping the text as typed", async () => {
    expect((await bot.say(karim, "académie dpo dpo@ac-exemple.fr")).texts).toEqual(["Cette commande est réservée aux administrateurs de l'académie."]);
    expect((await bot.say(nathalie, "académie responsable Le recteur de l'académie d'Exemple, 12 rue des Écoles")).texts).toEqual([
      "Réglage enregistré : Responsable du traitement. La notice des familles le reprend dès maintenant (« notice famille »).",
    ]);
    // The English command works the same (the answer is in the member's language).
    expect((await bot.say(nathalie, "academy dpo DPO <dpo@ac-exemple.fr>")).texts[0]).toContain(
      "Réglage enregistré : Contact du délégué à la protection des données",
    );
    const settings = (await bot.say(nathalie, "académie réglages")).texts.join("\n");
    expect(settings).toContain("**Responsable du traitement** : Le recteur de l'académie d'Exemple, 12 rue des Écoles");
    expect(settings).toContain("**Finalité** : (texte par défaut)");
    expect(await bot.app.store.db.prisma.academySetting.findMany({ orderBy: { key: "asc" } })).toMatchObject([
      { key: "controller", value: "Le recteur de l'académie d'Exemple, 12 rue des Écoles" },
      { key: "dpoContact", value: "DPO <dpo@ac-exemple.fr>" },
    ]);
  });

  it("answers « notice famille » with a card whose link serves the notice in French, escaped, until it expires", async () => {
    await bot.say(nathalie, "académie responsable Le recteur de l'académie d'Exemple, 12 rue des Écoles");
    await bot.say(nathalie, "academy dpo DPO <dpo@ac-exemple.fr>");
    // The help of the people who follow cases names the command; the admins' names the settings.
    expect(cardText((await bot.say(karim, "aide")).cards[0])).toContain("notice famille : la notice d'information à remettre aux familles");
    expect(cardText((await bot.say(nathalie, "aide")).cards[0])).toContain("académie réglages");
    const { cards } = await bot.say(karim, "notice famille");
    expect(cardText(cards[0])).toContain("Notice d'information des familles");
    const url = downloadUrl(cards[0]);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="information-familles.html"');
    const html = await res.text();
    expect(html).toContain("<h2>Responsable du traitement</h2>\n<p>Le recteur de l&#39;académie d&#39;Exemple, 12 rue des Écoles</p>");
    expect(html).toContain("DPO &lt;dpo@ac-exemple.fr&gt;");
    expect(html).not.toContain("<dpo@");
    for (const title of ["Pourquoi ces informations sont recueillies", "Qui peut les consulter", "Combien de temps elles sont conservées", "Vos droits"])
      expect(html).toContain(title);
    // The English command gives the same card (in the member's language), for a coordinator too.
    expect(cardText((await bot.say(sophie, "family notice")).cards[0])).toContain("Notice d'information des familles");

    // A forged or changed link is refused; a day later the link has expired.
    expect((await fetch(url.replace(/sig=[^&]+/, "sig=" + "A".repeat(43)))).status).toBe(403);
    expect((await fetch(url.replace("information-familles", "autre"))).status).toBe(403);
    offsetMs = 25 * 60 * 60_000;
    try {
      expect((await fetch(url)).status).toBe(410);
    } finally {
      offsetMs = 0;
    }
  });
});
