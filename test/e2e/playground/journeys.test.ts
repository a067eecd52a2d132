import { rmSync } from "node:fs";
import path from "node:path";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort, launchBrowser, ROOT, startBot, startPlayground, stop, stopBot, type Bot, type Playground } from "./stack.js";
import { docsPicture, expectText, Person, SHOTS_DIR } from "./ui.js";

/** Issue #7: end-to-end journeys in the Microsoft 365 Agents Playground, driven as people would
 *  drive it (typing in the compose box, clicking buttons by their labels). Two Playgrounds against
 *  one bot: Claire Martin, a teacher at Lycée Victor-Hugo (.m365agentsplayground.yml), and Sophie
 *  Laurent, MLDS coordinator of Bassin Nord (playground/coordinator.yml), in whose team the cases of
 *  the bassin are posted. The Playground sends every activity with locale en-US: the bot runs with
 *  FORCE_LOCALE=fr and answers in French, as it does for a French Teams client. The journeys follow
 *  one case and run in order; each step leaves a screenshot in test-results/e2e/. E2E_UPDATE_DOCS=1
 *  also refreshes the pictures of the README and of the guides (docs/). */

const BOT = "Repère";
const TEACHER = "Claire Martin";
const COORDINATOR = "Sophie Laurent";
const CHANNEL = "MLDS Bassin Nord - General";
const PERSONAL = "Personal Chat";

const year = new Date().getFullYear();
/** 17 this year: old enough for the MLDS, so the case goes to the bassin's channel. */
const PUPIL = { lastName: "Dupont", firstName: "Léa", className: "1re 2", birthDate: `15/03/${year - 17}`, initials: "L. D." };
const OBSERVATIONS = "Absente la plupart des lundis matin depuis les vacances d'automne.";
const WORK_NOTE = "Aucun devoir rendu depuis le 4 novembre.";
const SECOND_PUPIL = { lastName: "Lefèvre", firstName: "Noah", className: "2nde 4", birthDate: `02/01/${year - 16}`, initials: "N. L." };
const ACTIONS = [
  { type: "Entretien avec l'élève et la famille", description: "Entretien avec l'élève et sa famille au CIO" },
  { type: "Tutorat", description: "Tutorat en mathématiques deux fois par semaine" },
];

let bot: Bot | undefined;
let teacherPg: Playground | undefined;
let coordinatorPg: Playground | undefined;
let browser: Browser | undefined;
let teacher: Person;
let coordinator: Person;
/** The case the journeys follow, from journey 1's confirmation, and the status it should have
 *  reached (in French, as the Playground's user reads it). */
let reference: string | undefined;
let status = "Repéré";
/** The case of the second pupil, reported in journey 4 and nobody's yet. */
let secondReference: string | undefined;

function needReference(): string {
  expect(reference, "journey 1 did not give a case reference: the later journeys follow that case").toBeDefined();
  return reference!;
}

function needStatus(wanted: string, journey: string): void {
  expect(status, `the case is not «${wanted}»: ${journey} follows on from the journey before`).toBe(wanted);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** In Teams a channel case card is user-specific (Universal Actions refresh): the coordinator sees
 *  her own buttons at once. The Playground does not refresh cards: she asks for her view with the
 *  card's « Afficher mes actions » button, as someone Teams does not refresh the card for would. */
async function ownView(post: Locator): Promise<void> {
  await coordinator.settled();
  const button = post.getByRole("button", { name: "Afficher mes actions" });
  if ((await button.count()) === 0) return;
  await button.first().click();
  await button.first().waitFor({ state: "detached" });
}

type Pupil = typeof PUPIL;

/** The teacher's report dialog, step by step; with `wrongBirthDate`, step 1 is first sent with a
 *  date the bot refuses, and corrected on the card it sends back. Returns the case reference. */
async function report(person: Person, pupil: Pupil, opts: { wrongBirthDate?: string; shots?: string } = {}): Promise<string> {
  const shot = async (name: string) => {
    if (opts.shots) await person.screenshot(`${opts.shots}-${name}`);
  };
  let card = await person.newCard("Étape 1 sur 4", () => person.say("signaler"));
  await card.getByRole("textbox", { name: /^Nom/ }).fill(pupil.lastName);
  await card.getByRole("textbox", { name: /^Prénom/ }).fill(pupil.firstName);
  await card.getByRole("textbox", { name: /^Classe/ }).fill(pupil.className);
  // The only school Claire reports for is chosen already.
  expect(await card.getByRole("combobox", { name: /^Établissement/ }).inputValue()).toContain("Lycée Victor-Hugo");
  if (opts.wrongBirthDate) {
    await card.getByRole("textbox", { name: /^Date de naissance/ }).fill(opts.wrongBirthDate);
    await shot("01-pupil-typed");
    // The bot sends the step back with what was typed and the error next to the field.
    const sent = card;
    card = await person.newCard("Corrigez les champs signalés ci-dessous.", () => sent.getByRole("button", { name: "Suivant" }).click());
    await expectText(card, ["Étape 1 sur 4", "Indiquez la date de naissance sous la forme jj/mm/aaaa (par exemple 20/12/2010)."]);
    expect(await card.getByRole("textbox", { name: /^Nom/ }).inputValue()).toBe(pupil.lastName);
    await shot("02-pupil-error");
  }
  await card.getByRole("textbox", { name: /^Date de naissance/ }).fill(pupil.birthDate);
  card = await person.newCard("Étape 2 sur 4", () => card.getByRole("button", { name: "Suivant" }).click());
  await card.getByRole("textbox", { name: /^Demi-journées d'absence non justifiées sur le mois/ }).fill("6");
  await card.getByRole("checkbox", { name: "Absences non justifiées" }).check();
  await card.getByRole("checkbox", { name: "Travail non fait" }).check();
  await shot("03-signals");
  // A short card asks one labelled note for each ticked sign, and no other.
  card = await person.newCard("Précisions sur les signaux cochés", () => card.getByRole("button", { name: "Suivant" }).click());
  expect(await card.getByRole("textbox").count(), "one note field per ticked sign").toBe(2);
  await card.getByRole("textbox", { name: "Travail non fait" }).fill(WORK_NOTE);
  await shot("03b-notes");
  card = await person.newCard("Étape 3 sur 4", () => card.getByRole("button", { name: "Suivant" }).click());
  await expectText(card, ["6 demi-journées non justifiées dans le mois : le seuil de l'article L131-8 du Code de l'éducation"]);
  await card.getByRole("checkbox", { name: /Famille contactée/ }).check();
  // Urgent: the bassin's default setting lets its coordinators act before the school's GPDS decides.
  await card.getByRole("radio", { name: /^3 – Urgent/ }).check();
  await card.getByRole("textbox", { name: /^Observations \(facultatif/ }).fill(OBSERVATIONS);
  await shot("04-steps");
  card = await person.newCard("Étape 4 sur 4", () => card.getByRole("button", { name: "Voir le récapitulatif" }).click());
  await expectText(card, [
    "Récapitulatif de la fiche de repérage",
    `${pupil.firstName} ${pupil.lastName}`,
    pupil.className,
    "Lycée Victor-Hugo",
    pupil.birthDate,
    "Absences non justifiées",
    "Travail non fait",
    WORK_NOTE,
    "Famille contactée",
    OBSERVATIONS,
  ]);
  await shot("05-summary");
  card = await person.newCard("Fiche de repérage envoyée", () => card.getByRole("button", { name: "Envoyer la fiche de repérage" }).click());
  const text = await card.innerText();
  const found = /Dossier (D-\d{4}-\d{4,})/.exec(text);
  expect(found, `the confirmation shows no case reference: «${text}»`).not.toBeNull();
  await expectText(card, [`Pour suivre ce dossier, écrivez « statut ${found![1]} ».`]);
  await shot("06-confirmed");
  return found![1]!;
}

describe("Repère in the Microsoft 365 Agents Playground", () => {
  beforeAll(async () => {
    rmSync(SHOTS_DIR, { recursive: true, force: true });
    bot = await startBot(Number(process.env.E2E_BOT_PORT ?? (await freePort())), { FORCE_LOCALE: "fr" });
    [teacherPg, coordinatorPg] = await Promise.all([
      startPlayground("teacher's Playground", ".m365agentsplayground.yml", bot.port, 56160),
      startPlayground("coordinator's Playground", "playground/coordinator.yml", bot.port, 56161),
    ]);
    browser = await launchBrowser();
    [teacher, coordinator] = await Promise.all([Person.open(browser, teacherPg, TEACHER), Person.open(browser, coordinatorPg, COORDINATOR)]);

    // The bot writes to a channel or a personal chat only once it has seen a message there: the
    // coordinator says hello to it in her team's channel and in her personal chat first.
    await coordinator.openConversation(CHANNEL);
    const hello = await coordinator.postMentioning(BOT, "aide");
    await expectText(hello, ["Aide de Repère", "Dans un canal, mentionnez @Repère avant la commande."]);
    await coordinator.openConversation(PERSONAL);
    await coordinator.say("aide");
    await coordinator.card("Aide de Repère").waitFor();
    await coordinator.openConversation(CHANNEL);
    await coordinator.screenshot("00-coordinator-channel-ready");
    await teacher.openConversation(PERSONAL);
  }, 180_000);

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      const name = task.name.replace(/[^\p{L}\d]+/gu, "-").slice(0, 40);
      for (const person of [teacher, coordinator]) {
        if (!person) continue;
        await person.screenshot(`FAILED-${name}-${person.name.replace(/\s+/g, "-")}`).catch(() => undefined);
        if (person.errors.length) console.error(`page errors (${person.name}):\n${person.errors.join("\n")}`);
      }
      console.error(`bot output (tail):\n${bot?.proc.output().slice(-4000) ?? ""}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([stop(teacherPg?.proc), stop(coordinatorPg?.proc)]);
    await stopBot(bot);
  }, 60_000);

  it("1. a teacher reports a pupil through the whole dialog, fixing one error on the way, and gets a reference", async () => {
    // The welcome the chat got when it was opened is in French too (FORCE_LOCALE=fr).
    await expectText(teacher.card(/Welcome to Repère|Bienvenue dans Repère/), ["Bienvenue dans Repère"], {
      message: "the welcome card of the teacher's personal chat",
    });
    reference = await report(teacher, PUPIL, { wrongBirthDate: "31/02/2009", shots: "j1" });
    await docsPicture(browser!, teacher, path.join(ROOT, "docs/try-report.png"));
  });

  it("2. the case reaches the team channel without the pupil's name; the coordinator takes it in charge, the card updates in place, the teacher is told", async () => {
    const ref = needReference();
    const post = coordinator.posts(ref);
    await expectText(
      post.first(),
      [ref, "Repéré", `Lycée Victor-Hugo · ${PUPIL.className} · ${PUPIL.initials}`, "Assiduité, Investissement", "Vigilance 3", "Personne pour l'instant"],
      {
        absent: [PUPIL.firstName, PUPIL.lastName, OBSERVATIONS, PUPIL.birthDate],
        message: "the triage card in the team channel",
      },
    );
    await coordinator.screenshot("j2-01-triage-card");

    await ownView(post.first());
    await post.getByRole("button", { name: "Prendre en charge" }).click();
    status = "Pris en charge";
    await expectText(post.first(), ["Pris en charge", `Suivi par ${COORDINATOR}`], { absent: ["Personne pour l'instant"] });
    await coordinator.settled();
    // Still one post for the case, now showing the new state to the whole channel.
    expect(await coordinator.posts(ref).count(), "the case card is updated in place, not posted again").toBe(1);
    await expectText(post, [ref, "Pris en charge", `Suivi par ${COORDINATOR}`], { absent: [PUPIL.firstName, PUPIL.lastName] });
    expect(await post.getByRole("button", { name: "Prendre en charge" }).count()).toBe(0);
    await ownView(post);
    await post.getByRole("button", { name: "Ouvrir le parcours de suivi" }).waitFor();
    await coordinator.screenshot("j2-02-taken-in-charge");
    await docsPicture(browser!, coordinator, path.join(ROOT, "docs/try-triage.png"));

    // The teacher, in her personal chat, hears about it.
    await teacher.paragraph(`Votre fiche de repérage ${ref} a été prise en charge par ${COORDINATOR}. Merci.`).waitFor();
    await teacher.screenshot("j2-03-teacher-notified");
    await docsPicture(browser!, teacher, path.join(ROOT, "docs/guides/images/fiche-prise-en-charge.png"));
  });

  it("3. the coordinator opens a plan, adds two actions and marks one done", async () => {
    const ref = needReference();
    needStatus("Pris en charge", "journey 3");
    const post = coordinator.posts(ref);
    await ownView(post);
    await post.getByRole("button", { name: "Ouvrir le parcours de suivi" }).click();
    status = "Accompagnement en cours";
    // Opening changes the status: the post shows the updated case card (as everyone sees it, so the
    // notice of the answer may already be replaced by the shared update), and leads to the plan.
    await expectText(post, ["Accompagnement en cours"]);
    await ownView(post);
    await post.getByRole("button", { name: "Voir le parcours" }).click();
    const planHere = "the support plan shown from the channel card stays in that post to be worked on";
    await expectText(post, [`Parcours de suivi · ${ref}`, "Accompagnement en cours", "Mesures et actions (0)"], { message: planHere });
    await coordinator.settled();
    await expectText(post, [`Parcours de suivi · ${ref}`, "Mesures et actions (0)"], { message: `${planHere} (after the bot's queued updates went out)` });
    await coordinator.screenshot("j3-01-plan-opened");

    for (const [i, action] of ACTIONS.entries()) {
      await post.getByRole("button", { name: "Ajouter une mesure ou une action" }).click();
      const type = post.getByRole("combobox", { name: "Mesure ou action du catalogue" });
      await type.click();
      await coordinator.page.getByRole("option", { name: action.type, exact: true }).click();
      await post.getByRole("textbox", { name: "Description" }).fill(action.description);
      await coordinator.screenshot(`j3-0${2 + 2 * i}-adding-action-${i + 1}`);
      await post.getByRole("button", { name: "Ajouter", exact: true }).click();
      // In the channel a plan shows counts and statuses only: the description stays in personal chat.
      await expectText(post, ["Action ajoutée.", `Mesures et actions (${i + 1})`, action.type], { absent: [action.description] });
      await coordinator.settled();
      await expectText(post, [`Parcours de suivi · ${ref}`, `Mesures et actions (${i + 1})`, action.type], {
        message: `${planHere} (after adding action ${i + 1})`,
        absent: [action.description],
      });
      await coordinator.screenshot(`j3-0${3 + 2 * i}-action-${i + 1}-added`);
    }

    // "Done" on the first action: its own row, found by its type.
    const first = post
      .locator(".ac-container")
      .filter({ hasText: ACTIONS[0]!.type })
      .filter({ has: coordinator.page.getByRole("button", { name: "Réalisée", exact: true }) })
      .last();
    await first.getByRole("button", { name: "Réalisée", exact: true }).click();
    await expectText(post, [
      "Statut de l'action mis à jour.",
      new RegExp(`${escape(ACTIONS[0]!.type)}\\s+Réalisée`),
      new RegExp(`${escape(ACTIONS[1]!.type)}\\s+Prévue`),
    ]);
    await coordinator.settled();
    await expectText(
      post,
      [
        `Parcours de suivi · ${ref}`,
        "Mesures et actions (2)",
        new RegExp(`${escape(ACTIONS[0]!.type)}\\s+Réalisée`),
        new RegExp(`${escape(ACTIONS[1]!.type)}\\s+Prévue`),
      ],
      {
        message: `${planHere} (after marking an action done)`,
      },
    );
    // The channel sees initials only, on the plan as on the case card.
    await expectText(post, [`Lycée Victor-Hugo · ${PUPIL.className} · ${PUPIL.initials}`], { absent: [`${PUPIL.firstName} ${PUPIL.lastName}`] });
    await coordinator.screenshot("j3-06-action-done");
    await docsPicture(browser!, coordinator, path.join(ROOT, "docs/guides/images/parcours-de-suivi.png"));
  });

  it("2 (continued). the teacher's notification stays as she received it while the coordinator works on the case", async () => {
    const ref = needReference();
    expect(status, "journey 2 did not take the case in charge: there is no notification to look at").not.toBe("Repéré");
    await coordinator.settled();
    await teacher.settled();
    const notification = `Votre fiche de repérage ${ref} a été prise en charge par ${COORDINATOR}. Merci.`;
    expect(
      await teacher.page.getByRole("paragraph").filter({ hasText: notification }).count(),
      `the notification « ${notification} » is still in the teacher's chat`,
    ).toBeGreaterThan(0);
    // A teacher does not triage: no case card with the coordinators' buttons lands in her chat.
    for (const label of ["Assigner à…", "Voir le parcours", "Ouvrir le parcours de suivi", "Prendre en charge"]) {
      expect(await teacher.page.getByRole("button", { name: label }).count(), `a « ${label} » button in the teacher's personal chat`).toBe(0);
    }
    await teacher.screenshot("j2-04-teacher-chat-later");
  });

  it("4. « statut <reference> » in the personal chat and « @Repère à traiter » in the channel answer", async () => {
    const ref = needReference();
    // The teacher asks where her report stands: the answer names the case and its status.
    const answers = teacher.page
      .locator(".ac-adaptiveCard, p")
      .filter({ hasText: ref })
      .filter({ hasText: new RegExp(escape(status)) });
    const before = await answers.count();
    await teacher.say(`statut ${ref}`);
    await teacher.page.getByText(`statut ${ref}`, { exact: true }).last().waitFor();
    await teacher.settled();
    expect(await teacher.page.getByText(`Je n'ai pas compris « statut ${ref} »`).count(), `the bot answered « Je n'ai pas compris » to « statut ${ref} »`).toBe(
      0,
    );
    await expect.poll(() => answers.count(), { message: `an answer naming ${ref} and its status, ${status}`, timeout: 15_000 }).toBeGreaterThan(before);
    await teacher.screenshot("j4-01-status");
    await docsPicture(browser!, teacher, path.join(ROOT, "docs/guides/images/statut-dossier.png"));

    // A second pupil is reported; nobody has taken that case yet, so it is waiting for the coordinator.
    const second = await report(teacher, SECOND_PUPIL);
    secondReference = second;
    await coordinator.posts(second).first().waitFor();

    const question = await coordinator.postMentioning(BOT, "à traiter");
    await expectText(question, [second], {
      absent: [SECOND_PUPIL.firstName, SECOND_PUPIL.lastName, PUPIL.firstName, PUPIL.lastName, "Je n'ai pas compris"],
      message: "the answer to « @Repère à traiter » in the channel lists the case nobody has taken, without pupils' names",
    });
    await coordinator.screenshot("j4-02-to-do");
  });

  it("5. the teacher reports the second pupil again and adds it to the open case: the channel card shows it, the coordinator takes it in charge at once", async () => {
    const ref = secondReference;
    expect(ref, "journey 4 did not report the second pupil").toBeDefined();
    let card = await teacher.newCard("Étape 1 sur 4", () => teacher.say("signaler"));
    await card.getByRole("textbox", { name: /^Nom/ }).fill(SECOND_PUPIL.lastName);
    await card.getByRole("textbox", { name: /^Prénom/ }).fill(SECOND_PUPIL.firstName);
    await card.getByRole("textbox", { name: /^Classe/ }).fill(SECOND_PUPIL.className);
    await card.getByRole("textbox", { name: /^Date de naissance/ }).fill(SECOND_PUPIL.birthDate);
    card = await teacher.newCard(`Ajouter au dossier ${ref}`, () => card.getByRole("button", { name: "Suivant" }).click());
    card = await teacher.newCard("Étape 2 sur 4", () => card.getByRole("button", { name: `Ajouter au dossier ${ref}` }).click());
    await card.getByRole("checkbox", { name: "Incidents" }).check();
    card = await teacher.newCard("Précisions sur les signaux cochés", () => card.getByRole("button", { name: "Suivant" }).click());
    card = await teacher.newCard("Étape 3 sur 4", () => card.getByRole("button", { name: "Suivant" }).click());
    await card.getByRole("radio", { name: /^3 – Urgent/ }).check();
    card = await teacher.newCard("Étape 4 sur 4", () => card.getByRole("button", { name: "Voir le récapitulatif" }).click());
    card = await teacher.newCard("Fiche de repérage envoyée", () => card.getByRole("button", { name: "Envoyer la fiche de repérage" }).click());
    // She is told what happened, not that someone was warned.
    await expectText(card, [`Votre fiche de repérage a été ajoutée au dossier ${ref}, qui n'est pas encore pris en charge`], {
      absent: ["qui en est informé"],
    });
    await teacher.screenshot("j5-01-added-to-case");

    // The channel card shows the new family of signs, still without a name.
    // (Its own post: the answer to « à traiter » names the case too.)
    const post = coordinator.posts(ref!).filter({ hasNotText: "à traiter" });
    await expectText(post.first(), [ref!, "Assiduité, Investissement, Comportement", "Vigilance 3"], {
      absent: [SECOND_PUPIL.firstName, SECOND_PUPIL.lastName],
      message: "the case card in the channel, after the second report",
    });
    await coordinator.settled();
    await post.first().scrollIntoViewIfNeeded();
    await coordinator.screenshot("j5-02-card-updated");
    await ownView(post.first());
    await post.getByRole("button", { name: "Prendre en charge" }).click();
    await expectText(post.first(), ["Pris en charge", `Suivi par ${COORDINATOR}`], { absent: ["a changé entre-temps"] });
    await coordinator.screenshot("j5-03-taken-in-charge");
  });
});
