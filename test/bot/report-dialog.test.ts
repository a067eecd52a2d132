import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cardText, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { Conversation, inputValues, messageUnder } from "../helpers/conversation.js";

const claire = person("Claire Martin"); // teacher at Lycée Victor-Hugo
const thomas = person("Thomas Girard"); // teacher in two schools
const YEAR = new Date().getFullYear();

const LEA = { lastName: "Dupont", firstName: "Léa", className: "2nde 3", birthDate: "20/12/2010" };
const SIGNALS = { absenceHalfDays: "5", signal_LATENESS: "true", signal_PASSIVITY: "true" };
const NOTES = { note_LATENESS: "En retard 3 fois cette semaine" };
const STEPS = { stepsTaken: "FAMILY_CONTACTED,INTERVIEW_PP_CPE", urgency: "2", observations: "Ne rend plus les devoirs depuis la Toussaint." };

/** One row of a transcript: what the person does, and what the bot must answer. */
type Row = {
  say?: string;
  press?: string;
  fill?: Record<string, string>;
  expect: (reply: { cards: any[]; texts: string[]; card: string; text: string }) => void;
};

async function play(c: Conversation, rows: Row[]): Promise<void> {
  for (const [i, row] of rows.entries()) {
    const r = row.say !== undefined ? await c.say(row.say) : await c.press(row.press!, row.fill);
    const reply = { ...r, card: r.cards.map(cardText).join("\n---\n"), text: r.texts.join("\n") };
    try {
      row.expect(reply);
    } catch (err) {
      (err as Error).message = `transcript row ${i + 1} (${row.say ?? row.press}): ${(err as Error).message}\n--- bot sent:\n${reply.text}\n${reply.card}`;
      throw err;
    }
  }
}

/** From the signals card to the card of step 3, with the signals of SIGNALS and the notes of NOTES. */
async function reachStepsFrom(c: Conversation): Promise<void> {
  await play(c, [
    { press: "Suivant", fill: SIGNALS, expect: (r) => expect(r.card).toContain("Précisions sur les signaux cochés") },
    { press: "Suivant", fill: NOTES, expect: (r) => expect(r.card).toContain("Ce qui a déjà été fait") },
  ]);
}

async function reachSummary(c: Conversation, pupil = LEA): Promise<void> {
  await play(c, [
    { say: "signaler", expect: (r) => expect(r.card).toContain("Étape 1 sur 4") },
    { press: "Suivant", fill: pupil, expect: (r) => expect(r.card).toContain("Signaux observés") },
    { press: "Suivant", fill: SIGNALS, expect: (r) => expect(r.card).toContain("Précisions sur les signaux cochés") },
    { press: "Suivant", fill: NOTES, expect: (r) => expect(r.card).toContain("Ce qui a déjà été fait") },
    { press: "Voir le récapitulatif", fill: STEPS, expect: (r) => expect(r.card).toContain("Récapitulatif de la fiche de repérage") },
  ]);
}

describe("a teacher reports a pupil in a personal chat", () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot?.stop());

  const cases = () => bot.app.store.db.prisma.case.findMany({ include: { reports: { include: { signals: true } }, events: true, pupil: true } });

  it("goes through the four steps and gets a reference", async () => {
    const c = new Conversation(bot, claire);
    await play(c, [
      {
        say: "Nouveau signalement",
        expect: (r) => {
          expect(r.card).toContain("Repérer un élève");
          expect(r.card).toContain("Lycée Victor-Hugo");
        },
      },
      {
        press: "Suivant",
        fill: LEA,
        expect: (r) => {
          expect(r.card).toContain("Étape 2 sur 4");
          expect(r.card).toContain("Absences perlées");
          expect(r.card).toContain("Orientation subie");
        },
      },
      {
        press: "Suivant",
        fill: SIGNALS,
        expect: (r) => {
          // One labelled field for each ticked signal, and no other.
          expect(r.card).toContain("Étape 2 sur 4");
          expect(Object.keys(inputValues(r.cards[0])).sort()).toEqual(["note_LATENESS", "note_PASSIVITY", "note_UNJUSTIFIED_ABSENCES"]);
          expect(r.card).toMatch(/Retards répétés\n/);
          expect(r.card).not.toContain("Absences perlées");
        },
      },
      {
        press: "Suivant",
        fill: NOTES,
        expect: (r) => {
          expect(r.card).toContain("Étape 3 sur 4");
          expect(r.card).toContain("article L131-8 du Code de l'éducation (au moins 4 demi-journées d'absence sans motif légitime dans le mois)");
          expect(r.card).toContain("le chef d'établissement en informe le DASEN");
          expect(r.card).toContain("aucune information de santé");
        },
      },
      {
        press: "Voir le récapitulatif",
        fill: STEPS,
        expect: (r) => {
          expect(r.card).toContain("Léa Dupont");
          expect(r.card).toContain("2nde 3");
          expect(r.card).toContain("En retard 3 fois cette semaine");
          expect(r.card).toContain("Famille contactée");
          expect(r.card).toContain("2 – Préoccupant");
        },
      },
      {
        press: "Envoyer la fiche de repérage",
        expect: (r) => {
          expect(r.card).toContain("Fiche de repérage envoyée");
          expect(r.card).toMatch(new RegExp(`Dossier D-${YEAR}-\\d{4}`));
          expect(r.card).toContain("référent décrochage");
        },
      },
    ]);
    const [created] = (await cases()).filter((x) => x.pupil.lastName === "Dupont");
    expect(created).toMatchObject({ status: "NEW", urgency: 2, reference: expect.stringMatching(new RegExp(`^D-${YEAR}-\\d{4}$`)) });
    expect(created!.pupil).toMatchObject({ firstName: "Léa", className: "2nde 3", birthYear: 2010, nameKey: "dupont lea" });
    expect(created!.reports).toHaveLength(1);
    expect(created!.reports[0]).toMatchObject({ absenceHalfDays: 5, stepsTaken: ["FAMILY_CONTACTED", "INTERVIEW_PP_CPE"], observations: STEPS.observations });
    // Half-days counted imply the unjustified-absences signal.
    expect(created!.reports[0]!.signals.map((s) => s.code).sort()).toEqual(["LATENESS", "PASSIVITY", "UNJUSTIFIED_ABSENCES"]);
    expect(created!.events.map((e) => e.type)).toEqual(["REPORTED"]);
  });

  it("edits a step from the summary with every value kept, and comes back to the summary", async () => {
    const c = new Conversation(bot, claire);
    await reachSummary(c, { ...LEA, lastName: "Bernard", firstName: "Hugo" });
    await play(c, [
      {
        press: "Modifier", // the first one: the pupil section
        expect: (r) => {
          const values = inputValues(r.cards[0]);
          expect(values).toMatchObject({ lastName: "Bernard", firstName: "Hugo", className: "2nde 3", birthDate: "20/12/2010" });
        },
      },
      { press: "Suivant", fill: { className: "1re 2" }, expect: (r) => expect(r.card).toContain("Récapitulatif de la fiche de repérage") },
      {
        press: "Envoyer la fiche de repérage",
        expect: (r) => expect(r.card).toContain("Fiche de repérage envoyée"),
      },
    ]);
    const hugo = (await cases()).find((x) => x.pupil.lastName === "Bernard")!;
    expect(hugo.pupil.className).toBe("1re 2");
    expect(hugo.reports[0]!.observations).toBe(STEPS.observations);
  });

  it("keeps the signals when the signals step is edited", async () => {
    const c = new Conversation(bot, claire);
    await reachSummary(c, { ...LEA, lastName: "Petit", firstName: "Zoé" });
    const editSignals = c.lastCard.body
      .flatMap((b: any) => b.items ?? [])
      .flatMap((i: any) => i.columns ?? [])
      .flatMap((col: any) => col.items ?? [])
      .flatMap((i: any) => i.actions ?? [])
      .filter((a: any) => a.data?.step === "signals")[0];
    const r = await bot.submit(claire, editSignals.data);
    const values = inputValues(r.cards[0]);
    expect(values).toMatchObject({ absenceHalfDays: "5", signal_LATENESS: "true", signal_PASSIVITY: "true", signal_WORK_NOT_DONE: "false" });
    // One more signal ticked: the note written before is still there, the new one has its field.
    const notes = await c.press("Suivant", { ...values, signal_WORK_NOT_DONE: "true" }, r.cards[0]);
    expect(inputValues(notes.cards[0])).toMatchObject({ note_LATENESS: "En retard 3 fois cette semaine", note_WORK_NOT_DONE: "" });
    await play(c, [{ press: "Suivant", expect: (x) => expect(x.card).toContain("Travail non fait") }]);
    expect(c.lastCard && cardText(c.lastCard)).toContain("Récapitulatif de la fiche de repérage");
    await c.say("annuler");
  });

  it("leaves at any step with « annuler », saving nothing; an old card then says the report is over", async () => {
    const before = (await cases()).length;
    const c = new Conversation(bot, claire);
    await play(c, [
      { say: "signaler", expect: (r) => expect(r.cards).toHaveLength(1) },
      { press: "Suivant", fill: { ...LEA, lastName: "Annule" }, expect: (r) => expect(r.card).toContain("Signaux observés") },
    ]);
    const signalsCard = c.lastCard;
    await play(c, [{ say: "Annuler", expect: (r) => expect(r.text).toBe("Fiche de repérage annulée. Rien n'a été enregistré.") }]);
    await play(c, [{ press: "Suivant", fill: SIGNALS, expect: (r) => expect(r.text).toContain("n'est plus en cours") }]);
    expect(c.lastCard).toBe(signalsCard);
    expect((await cases()).length).toBe(before);
  });

  it("cancels from the card's button too", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    await play(c, [{ press: "Annuler", expect: (r) => expect(r.text).toContain("Fiche de repérage annulée") }]);
  });

  it("explains the current step on « aide » without losing it", async () => {
    const c = new Conversation(bot, claire);
    await play(c, [
      { say: "signaler", expect: () => {} },
      { press: "Suivant", fill: { ...LEA, lastName: "Aide" }, expect: () => {} },
      {
        say: "aide",
        expect: (r) => {
          expect(r.text).toContain("Étape 2");
          expect(r.card).toContain("Signaux observés");
        },
      },
      { press: "Suivant", fill: SIGNALS, expect: (r) => expect(r.card).toContain("Précisions sur les signaux cochés") },
      { say: "on en est où ?", expect: (r) => expect(r.card).toContain("Votre fiche de repérage en cours (étape 2 sur 4) vous attend.") },
    ]);
    await c.say("annuler");
  });

  it("answers questions while a report waits, reminds it with a button to resume it, and « signaler » shows the step again", async () => {
    const earlier = new Conversation(bot, claire);
    await reachSummary(earlier, { ...LEA, lastName: "Anterieur" });
    await earlier.press("Envoyer la fiche de repérage");
    const someCase = (await cases()).find((x) => x.pupil.lastName === "Anterieur");
    const c = new Conversation(bot, claire);
    await play(c, [
      { say: "signaler", expect: () => {} },
      { press: "Suivant", fill: { ...LEA, lastName: "Attente" }, expect: (r) => expect(r.card).toContain("Signaux observés") },
      {
        say: `statut ${someCase!.reference}`,
        expect: (r) => {
          expect(r.card).toContain(someCase!.reference); // the question is answered...
          expect(r.card).toContain("Votre fiche de repérage en cours (étape 2 sur 4) vous attend."); // ...and the report is not forgotten
        },
      },
      { say: "mes signalements", expect: (r) => expect(r.card).toContain("Vos fiches de repérage") },
      { press: "Reprendre la fiche de repérage", expect: (r) => expect(r.card).toContain("Signaux observés") },
      {
        say: "signaler",
        expect: (r) => {
          expect(r.text).toContain("Une fiche de repérage est déjà en cours");
          expect(r.card).toContain("Signaux observés");
        },
      },
    ]);
    // The teacher reloads Teams: no card above any more. « signaler » brings the current step back.
    const reloaded = new Conversation(bot, claire);
    await play(reloaded, [
      { say: "je ne sais plus où j'en étais", expect: (r) => expect(r.card).toContain("Reprendre la fiche de repérage") },
      { say: "signaler", expect: (r) => expect(r.card).toContain("Signaux observés") },
    ]);
    await reachStepsFrom(reloaded);
    await play(reloaded, [{ press: "Voir le récapitulatif", fill: STEPS, expect: (r) => expect(r.card).toContain("Léa Attente") }]);
    await reloaded.say("annuler");
  });

  describe("re-shows the same card with the values kept and a message next to the problem", () => {
    it.each([
      ["an empty last name", { lastName: "" }, "lastName", "Ce champ est obligatoire."],
      ["a name with digits", { firstName: "L3a" }, "firstName", "Utilisez seulement des lettres"],
      ["a class over 20 characters", { className: "Seconde générale et technologique 3" }, "className", "Trop long."],
      ["a birth year too early", { birthDate: "01/01/1990" }, "birthDate", `Indiquez une année entre 1995 et ${YEAR - 10}.`],
      ["a birth year too late", { birthDate: `01/01/${YEAR - 5}` }, "birthDate", "Indiquez une année entre"],
      ["a birth date that is not a date", { birthDate: "deux mille dix" }, "birthDate", "Indiquez la date de naissance sous la forme jj/mm/aaaa"],
      [
        "a school the teacher cannot report for (forged choice)",
        { schoolId: "00000000-0000-0000-0000-000000000000" },
        "schoolId",
        "Choisissez un établissement de la liste.",
      ],
    ])("pupil step: %s", async (_label, change, field, message) => {
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      const r = await c.press("Suivant", { ...LEA, ...change });
      expect(cardText(r.cards[0])).toContain("Étape 1 sur 4");
      expect(messageUnder(r.cards[0], field)).toContain(message);
      const kept = inputValues(r.cards[0]);
      for (const [k, v] of Object.entries({ ...LEA, ...change })) if (k !== "schoolId") expect(kept[k]).toBe(v);
      await c.say("annuler");
    });

    it.each([
      ["no signal", {}, null, "Cochez au moins un signal."],
      ["half-days that are not a number", { absenceHalfDays: "beaucoup" }, "absenceHalfDays", "Indiquez un nombre entre 0 et 200."],
      ["a forged signal", { signal_SMOKING: "true" }, null, "Un signal envoyé n'existe pas"],
    ])("signals step: %s", async (_label, fill, field, message) => {
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      await c.press("Suivant", { ...LEA, lastName: "Signaux" });
      const r = await c.press("Suivant", fill);
      expect(cardText(r.cards[0])).toContain("Étape 2 sur 4");
      if (field) expect(messageUnder(r.cards[0], field)).toContain(message);
      else expect(cardText(r.cards[0])).toContain(message);
      const kept = inputValues(r.cards[0]);
      for (const [k, v] of Object.entries(fill)) if (!k.includes("SMOKING")) expect(kept[k]).toBe(v);
      await c.say("annuler");
    });

    it.each([
      [
        "a note over 200 characters",
        { note_LATENESS: "x".repeat(1000) },
        "note_LATENESS",
        "200 caractères au plus : ce texte en compte 1000. Raccourcissez-le.",
      ],
      ["a note on a signal not ticked (forged)", { note_INCIDENTS: "Bagarre le 3 mars" }, null, "Un signal envoyé n'existe pas"],
    ])("notes of the signals: %s", async (_label, fill, field, message) => {
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      await c.press("Suivant", { ...LEA, lastName: "Precisions" });
      await c.press("Suivant", SIGNALS);
      const r = await c.press("Suivant", fill);
      expect(cardText(r.cards[0])).toContain("Précisions sur les signaux cochés");
      if (field) {
        expect(messageUnder(r.cards[0], field)).toContain(message);
        expect(inputValues(r.cards[0])[field]).toBe(fill[field as keyof typeof fill]); // kept, to be shortened
      } else expect(cardText(r.cards[0])).toContain(message);
      await c.say("annuler");
    });

    it.each([
      ["no urgency", { urgency: "" }, "urgency", "Ce champ est obligatoire."],
      ["a forged urgency", { urgency: "9" }, "urgency", "Choisissez dans la liste."],
      ["a forged step", { stepsTaken: "FAMILY_CONTACTED,POLICE" }, "stepsTaken", "Choisissez dans la liste."],
      ["observations over 500 characters", { observations: "y".repeat(501) }, "observations", "500 caractères au plus : ce texte en compte 501."],
    ])("steps step: %s", async (_label, change, field, message) => {
      const c = new Conversation(bot, claire);
      await c.say("signaler");
      await c.press("Suivant", { ...LEA, lastName: "Etapes" });
      await reachStepsFrom(c);
      const r = await c.press("Voir le récapitulatif", { ...STEPS, ...change });
      expect(cardText(r.cards[0])).toContain("Étape 3 sur 4");
      expect(messageUnder(r.cards[0], field)).toContain(message);
      expect(inputValues(r.cards[0])).toMatchObject({ ...STEPS, ...change });
      await c.say("annuler");
    });
  });

  it("offers to add the report to the pupil's open case instead of opening a duplicate", async () => {
    const first = new Conversation(bot, claire);
    await reachSummary(first, { ...LEA, lastName: "Martinez", firstName: "Inès" });
    await first.press("Envoyer la fiche de repérage");
    const reference = /D-\d{4}-\d{4}/.exec(cardText(first.lastCard))![0];

    const second = new Conversation(bot, claire);
    await play(second, [
      { say: "signaler", expect: () => {} },
      {
        press: "Suivant",
        fill: { ...LEA, lastName: "MARTINEZ", firstName: "ines" }, // case and accents do not matter
        expect: (r) => {
          expect(r.card).toContain("Un dossier est déjà ouvert pour cet élève");
          expect(r.card).toContain(reference);
          expect(r.card).not.toContain("Martinez"); // initials only
        },
      },
      { press: `Ajouter au dossier ${reference}`, expect: (r) => expect(r.card).toContain("Signaux observés") },
      { press: "Suivant", fill: SIGNALS, expect: () => {} },
      { press: "Suivant", fill: NOTES, expect: () => {} },
      { press: "Voir le récapitulatif", fill: { ...STEPS, urgency: "3" }, expect: (r) => expect(r.card).toContain(`ajoutée au dossier ${reference}`) },
      { press: "Envoyer la fiche de repérage", expect: (r) => expect(r.card).toContain(`Votre fiche de repérage a été ajoutée au dossier ${reference}`) },
    ]);
    const all = (await cases()).filter((x) => x.pupil.lastName === "Martinez");
    expect(all).toHaveLength(1);
    expect(all[0]!.reports).toHaveLength(2);
    expect(all[0]!.urgency).toBe(3); // a new report may raise the urgency
    expect(all[0]!.events.map((e) => e.type).sort()).toEqual(["REPORTED", "REPORT_ADDED"]);

    // "C'est un autre élève" opens a separate case.
    const third = new Conversation(bot, claire);
    await third.say("signaler");
    await third.press("Suivant", { ...LEA, lastName: "Martinez", firstName: "Inès" });
    await play(third, [{ press: "C'est un autre élève", expect: (r) => expect(r.card).toContain("Signaux observés") }]);
    await reachStepsFrom(third);
    await third.press("Voir le récapitulatif", STEPS);
    await third.press("Envoyer la fiche de repérage");
    expect((await cases()).filter((x) => x.pupil.lastName === "Martinez")).toHaveLength(2);
  });

  it("accepts the typographic apostrophes phones and Word type, and stores the plain one", async () => {
    const c = new Conversation(bot, claire);
    await play(c, [
      { say: "signaler", expect: () => {} },
      {
        press: "Suivant",
        fill: { ...LEA, lastName: "N\u2019Diaye", firstName: "A\u02BCissatou" },
        expect: (r) => expect(r.card).toContain("Signaux observés"),
      },
    ]);
    await reachStepsFrom(c);
    await play(c, [
      { press: "Voir le récapitulatif", fill: STEPS, expect: (r) => expect(r.card).toContain("A'issatou N'Diaye") },
      { press: "Envoyer la fiche de repérage", expect: (r) => expect(r.card).toContain("Fiche de repérage envoyée") },
    ]);
    const [stored] = (await cases()).filter((x) => x.pupil.lastName.endsWith("Diaye"));
    expect(stored!.pupil).toMatchObject({ lastName: "N'Diaye", firstName: "A'issatou" });
  });

  it("finds the open case of « Lefèvre-Nguyen » when the same pupil is typed « Lefèvre Nguyen » or « lefevre nguyen »", async () => {
    const first = new Conversation(bot, claire);
    await reachSummary(first, { ...LEA, lastName: "Lefèvre-Nguyen", firstName: "Anh" });
    await first.press("Envoyer la fiche de repérage");
    const reference = /D-\d{4}-\d{4}/.exec(cardText(first.lastCard))![0];
    for (const lastName of ["Lefèvre Nguyen", "LEFEVRE  NGUYEN", "Lefèvre - Nguyen"]) {
      const again = new Conversation(bot, claire);
      await play(again, [
        { say: "signaler", expect: () => {} },
        {
          press: "Suivant",
          fill: { ...LEA, lastName, firstName: "Anh" },
          expect: (r) => expect(r.card, lastName).toContain(`Ajouter au dossier ${reference}`),
        },
        { say: "annuler", expect: () => {} },
      ]);
    }
  });

  it("never creates a second case on a second click, sequential or simultaneous", async () => {
    const c = new Conversation(bot, claire);
    await reachSummary(c, { ...LEA, lastName: "Double", firstName: "Clic" });
    const summary = c.lastCard;
    const [a, b] = await Promise.all([c.press("Envoyer la fiche de repérage", {}, summary), c.press("Envoyer la fiche de repérage", {}, summary)]);
    const answers = [...a.cards.map(cardText), ...a.texts, ...b.cards.map(cardText), ...b.texts].join("\n");
    expect(answers).toContain("Fiche de repérage envoyée");
    const r = await c.press("Envoyer la fiche de repérage", {}, summary);
    expect(r.texts[0]).toMatch(/Cette fiche de repérage a déjà été envoyée : dossier D-\d{4}-\d{4}/);
    const doubles = (await cases()).filter((x) => x.pupil.lastName === "Double");
    expect(doubles).toHaveLength(1);
    expect(doubles[0]!.reports).toHaveLength(1);
  });

  it("lets a teacher of two schools choose the school, and checks it is one of theirs", async () => {
    const c = new Conversation(bot, thomas);
    const r = await c.say("signaler");
    const choices = JSON.stringify(r.cards[0]);
    expect(choices).toContain("Lycée professionnel Jean-Moulin");
    expect(choices).toContain("Collège Jules-Ferry");
    expect(choices).not.toContain("Lycée Victor-Hugo");
    await c.say("annuler");
  });

  it("lets a teacher tick unjustified absences without a count: the CPE completes it", async () => {
    const c = new Conversation(bot, claire);
    await c.say("signaler");
    await c.press("Suivant", { ...LEA, lastName: "Sanscompte" });
    const r = await c.press("Suivant", { signal_UNJUSTIFIED_ABSENCES: "true" });
    expect(cardText(r.cards[0])).toContain("Étape 2 sur 4");
    expect(cardText(r.cards[0])).toContain("Précisions sur les signaux cochés");
    expect(Object.keys(inputValues(r.cards[0]))).toEqual(["note_UNJUSTIFIED_ABSENCES"]);
    await c.say("annuler");
  });

  it("speaks English to an English Teams client", async () => {
    const r = await bot.say(claire, "report a pupil", { locale: "en-GB" });
    expect(cardText(r.cards[0])).toContain("Identify a pupil");
    expect(cardText(r.cards[0])).toContain("Date of birth");
    await bot.say(claire, "cancel", { locale: "en-GB" });
  });

  it("explains to an unknown person how to be added, instead of an error", async () => {
    const stranger = { aadObjectId: "00000000-0000-4000-8000-0000000009ff", displayName: "Jean Inconnu", email: "", role: "STAFF" as const };
    const r = await bot.say(stranger, "signaler");
    expect(cardText(r.cards[0])).toContain("Vous n'êtes pas encore inscrit(e) dans Repère");
    expect(cardText(r.cards[0])).toContain("Jean Inconnu");
  });

  it("keeps reports out of channels", async () => {
    const r = await bot.post({
      type: "message",
      id: "chan-report",
      text: "<at>Repère</at> signaler",
      entities: [{ type: "mention", mentioned: { id: "28:repere-bot", name: "Repère" }, text: "<at>Repère</at>" }],
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${claire.aadObjectId}`, aadObjectId: claire.aadObjectId },
      recipient: { id: "28:repere-bot", name: "Repère" },
      conversation: { id: "19:chan@thread.tacv2", conversationType: "channel", isGroup: true, tenantId: "5e7c1a2b-0000-4000-8000-00000000a11e" },
      channelData: { tenant: { id: "5e7c1a2b-0000-4000-8000-00000000a11e" }, team: { id: "19:chan@thread.tacv2" }, channel: { id: "19:chan@thread.tacv2" } },
    });
    expect(r.status).toBe(200);
    expect(bot.connector.texts().at(-1)).toContain("conversation privée");
  });
});

describe("a bot restart in the middle of a report", () => {
  it("resumes where the teacher was, on a new bot instance with the same database", async () => {
    const first = await startTestBot();
    const c = new Conversation(first, claire);
    await c.say("signaler");
    await c.press("Suivant", { ...LEA, lastName: "Redemarrage" });
    const signals = c.lastCard;
    await first.stop({ keepSchema: true });

    const second = await startTestBot({ schema: first.schema });
    try {
      const resumed = new Conversation(second, claire);
      const r = await resumed.press("Suivant", SIGNALS, signals);
      expect(cardText(r.cards[0])).toContain("Précisions sur les signaux cochés");
      await resumed.press("Suivant", NOTES);
      await resumed.press("Voir le récapitulatif", STEPS);
      const done = await resumed.press("Envoyer la fiche de repérage");
      expect(cardText(done.cards[0])).toContain("Fiche de repérage envoyée");
      const created = await second.app.store.db.prisma.case.findMany({ where: { pupil: { lastName: "Redemarrage" } } });
      expect(created).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
