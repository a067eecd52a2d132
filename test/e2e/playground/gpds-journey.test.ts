import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { addDays, parisDay, schoolCalendar, schoolDayOnOrAfter } from "../../../src/domain/school-days.js";
import { freePort, launchBrowser, ROOT, startBot, startPlayground, stop, stopBot, type Bot, type Playground } from "./stack.js";
import { docsPicture, expectText, Person } from "./ui.js";

/** Issue #25: the school's GPDS in the Agents Playground. Karim Benali, référent décrochage of Lycée
 *  Victor-Hugo (playground/referent.yml), reports a pupil in his personal chat, makes the school's
 *  GPDS group chat its GPDS space with « gpds ici », sets the next GPDS on the next school day (its
 *  agenda, due two school days before, goes out at once), and takes a decision on the agenda's line:
 *  the card updates in place. The bot runs with FORCE_LOCALE=fr (the Playground sends en-US) so
 *  that the pictures are French. E2E_UPDATE_DOCS=1 refreshes docs/gpds-agenda.png and
 *  docs/gpds-decision.png. Its own bot and Playground: the other journeys are not touched. */

const BOT = "Repère";
const REFERENT = "Karim Benali";
const PERSONAL = "Personal Chat";
const GROUP = "GPDS Victor-Hugo";
const SCHOOL = "Lycée Victor-Hugo";

const year = new Date().getFullYear();
/** 15 this year: under 16, the case stays with the school (no MLDS channel in this stack). */
const PUPIL = { lastName: "Moreau", firstName: "Enzo", className: "2nde 5", birthDate: `02/01/${year - 15}`, initials: "E. M." };

/** The next school day: its agenda is due from two school days before, so already now. */
const MEETING = schoolDayOnOrAfter(addDays(parisDay(new Date()), 1), schoolCalendar());
const typed = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
const FR_DAY = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", weekday: "long", day: "numeric", month: "long", year: "numeric" });
const MEETING_TEXT = FR_DAY.format(new Date(`${MEETING}T12:00:00Z`));

let bot: Bot | undefined;
let pg: Playground | undefined;
let browser: Browser | undefined;
let karim: Person;
let reference: string | undefined;
let agendaPosted = false;

describe("the GPDS in the Microsoft 365 Agents Playground", () => {
  beforeAll(async () => {
    bot = await startBot(Number(process.env.E2E_GPDS_BOT_PORT ?? (await freePort())), { FORCE_LOCALE: "fr" });
    pg = await startPlayground("référent's Playground", "playground/referent.yml", bot.port, 56170);
    browser = await launchBrowser();
    karim = await Person.open(browser, pg, REFERENT);
  }, 180_000);

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      const name = task.name.replace(/[^\p{L}\d]+/gu, "-").slice(0, 40);
      await karim?.screenshot(`FAILED-gpds-${name}`).catch(() => undefined);
      if (karim?.errors.length) console.error(`page errors:\n${karim.errors.join("\n")}`);
      console.error(`bot output (tail):\n${bot?.proc.output().slice(-4000) ?? ""}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stop(pg?.proc);
    await stopBot(bot);
  }, 60_000);

  it("1. the référent reports a pupil in his personal chat, in French", async () => {
    await karim.openConversation(PERSONAL);
    await expectText(karim.card(/Bienvenue dans Repère|Welcome to Repère/), ["Bienvenue dans Repère"], {
      message: "the welcome card, in French (FORCE_LOCALE=fr)",
    });
    let card = await karim.newCard("Étape 1 sur 4", () => karim.say("signaler"));
    await card.getByRole("textbox", { name: "Nom", exact: true }).fill(PUPIL.lastName);
    await card.getByRole("textbox", { name: "Prénom" }).fill(PUPIL.firstName);
    await card.getByRole("textbox", { name: "Classe (division)" }).fill(PUPIL.className);
    await card.getByRole("textbox", { name: "Date de naissance" }).fill(PUPIL.birthDate);
    card = await karim.newCard("Étape 2 sur 4", () => card.getByRole("button", { name: "Suivant" }).click());
    await card.getByRole("checkbox", { name: "Absences non justifiées" }).check();
    card = await karim.newCard("Précisions sur les signaux cochés", () => card.getByRole("button", { name: "Suivant" }).click());
    card = await karim.newCard("Étape 3 sur 4", () => card.getByRole("button", { name: "Suivant" }).click());
    await card.getByRole("radio", { name: /^2 – Préoccupant/ }).check();
    card = await karim.newCard("Étape 4 sur 4", () => card.getByRole("button", { name: "Voir le récapitulatif" }).click());
    card = await karim.newCard("Fiche de repérage envoyée", () => card.getByRole("button", { name: "Envoyer la fiche de repérage" }).click());
    const text = await card.innerText();
    const found = /Dossier (D-\d{4}-\d{4,})/.exec(text);
    expect(found, `the confirmation shows no case reference: «${text}»`).not.toBeNull();
    reference = found![1]!;
    await karim.screenshot("gpds-01-reported");
  });

  it("2. in the GPDS group chat he registers the space and sets the next GPDS: the agenda is posted at once, initials only", async () => {
    const ref = reference;
    expect(ref, "journey 1 did not give a case reference").toBeDefined();
    await karim.openConversation(GROUP);
    await karim.sayMentioning(BOT, "gpds ici");
    await karim.paragraph(`Cette conversation est désormais l'espace GPDS de ${SCHOOL}`).waitFor();

    const agenda = await karim.newCard(`Ordre du jour du GPDS · ${SCHOOL}`, () => karim.sayMentioning(BOT, `gpds ${typed(MEETING)}`));
    await karim.paragraph("L'ordre du jour de cette réunion est déjà dû : il part maintenant.").waitFor();
    await expectText(
      agenda,
      [`Réunion du ${MEETING_TEXT}`, "Nouvelles fiches de repérage à examiner", ref!, PUPIL.initials, "Enregistrer", "Clore la séance"],
      {
        absent: [PUPIL.firstName, PUPIL.lastName],
        message: "the agenda in the GPDS group chat",
      },
    );
    agendaPosted = true;
    await karim.settled();
    await agenda.scrollIntoViewIfNeeded();
    await karim.screenshot("gpds-02-agenda");
    await docsPicture(browser!, karim, path.join(ROOT, "docs/gpds-agenda.png"));
  });

  it("3. he chooses a decision for the line and « Enregistrer »: the agenda updates in place and shows it", async () => {
    const ref = reference!;
    expect(agendaPosted, "journey 2 did not post the agenda").toBe(true);
    const agendas = karim.page.locator(".ac-adaptiveCard").filter({ hasText: `Ordre du jour du GPDS · ${SCHOOL}` });
    expect(await agendas.count()).toBe(1);
    const agenda = agendas.first();
    await agenda.getByRole("combobox", { name: `Décision pour ${ref}` }).click();
    await karim.page.getByRole("option", { name: "Poursuivre la vigilance", exact: true }).click();
    // Who attended: he ticks himself.
    await agenda.getByRole("checkbox", { name: /Karim Benali · Référent/ }).check();
    await karim.screenshot("gpds-03-decision-chosen");
    await agenda.getByRole("button", { name: "Enregistrer" }).click();
    await expectText(agenda, ["1 décision enregistrée.", ref, PUPIL.initials, /Poursuivre la vigilance · prochain examen le/], {
      absent: [PUPIL.firstName, PUPIL.lastName],
      message: "the agenda after « Enregistrer »",
    });
    await karim.settled();
    expect(await agendas.count(), "the agenda is updated in place, not posted again").toBe(1);
    // Once the bot's own update of the post has gone out, it still shows the decision and who attended.
    await expectText(agenda, [ref, /Poursuivre la vigilance · prochain examen le/], { message: "the agenda after the bot's update of the post" });
    expect(await agenda.getByRole("checkbox", { name: /Karim Benali · Référent/ }).isChecked(), "Karim is ticked as present").toBe(true);
    expect(await agenda.getByRole("combobox", { name: `Décision pour ${ref}` }).count(), "the decided line offers no choice any more").toBe(0);
    await agenda.scrollIntoViewIfNeeded();
    await karim.screenshot("gpds-04-decided");
    await docsPicture(browser!, karim, path.join(ROOT, "docs/gpds-decision.png"));
  });
});
