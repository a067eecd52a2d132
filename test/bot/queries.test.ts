import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { BOT, cardText, person, startTestBot, type Person, type TestBot } from "../helpers/bot-harness.js";

/** The quick status queries through the HTTP bot: each one in a personal chat (French and
 *  English), and in the coordinators' channel with an @mention, where answers carry no full name. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Bassin Nord)
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Bassin Nord
const nathalie = person("Nathalie Roux"); // académie admin
const NORD = DEMO_CHANNELS[0];
const YEAR = new Date().getFullYear();
const DAY = 86_400_000;

type Turn = { cards: any[]; texts: string[]; json: string };

let activityCounter = 0;

/** A message in the district's channel, as Teams sends it: with `<at>Repère</at>` and its mention
 *  entity when the bot is mentioned. */
function channelMessage(serviceUrl: string, who: Person, text: string, opts: { mention?: boolean; locale?: string } = {}): Record<string, unknown> {
  const mention = opts.mention ?? true;
  return {
    type: "message",
    id: `chan-${Date.now()}-${++activityCounter}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: "msteams",
    from: { id: `29:${who.aadObjectId}`, name: who.displayName, aadObjectId: who.aadObjectId },
    recipient: BOT,
    conversation: { id: `${NORD.channelId};messageid=${activityCounter}`, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
    channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD.teamId }, channel: { id: NORD.channelId } },
    locale: opts.locale ?? "fr-FR",
    text: mention ? `<at>${BOT.name}</at> ${text}` : text,
    ...(mention ? { entities: [{ type: "mention", text: `<at>${BOT.name}</at>`, mentioned: { id: BOT.id, name: BOT.name } }] } : {}),
  };
}

describe("quick status queries", () => {
  let bot: TestBot;
  let now = new Date();
  let counter = 0;
  const cases: Record<string, { caseId: string; reference: string }> = {};
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;

  async function report(by: Person, lastName: string, firstName: string, age: number) {
    const actor = await actorOf(by);
    const [school] = await bot.app.services.reports.reportingSchools(actor);
    const outcome = await bot.app.services.reports.submit(
      actor,
      {
        pupil: { lastName, firstName, className: "1re 4", schoolId: school!.id, birthYear: YEAR - age },
        signals: { signals: [{ code: "LATENESS", note: "Arrive en retard tous les matins" }] },
        steps: { stepsTaken: [], urgency: 2, observations: "Dit vouloir arrêter" },
      },
      `bot-queries-${++counter}`,
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    return { caseId: outcome.recorded.caseId, reference: outcome.recorded.reference };
  }

  async function turn(activity: Record<string, unknown>): Promise<Turn> {
    const before = bot.connector.sent.length;
    const res = await bot.post(activity);
    if (res.status >= 300) throw new Error(`bot answered HTTP ${res.status}: ${await res.text()}`);
    const sent = bot.connector.sent.slice(before);
    return {
      cards: sent.flatMap((a) => (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content)),
      texts: sent.map((a) => a.body.text).filter((t): t is string => typeof t === "string"),
      json: JSON.stringify(sent.map((a) => a.body)),
    };
  }
  const say = async (who: Person, text: string, locale?: string): Promise<Turn> => {
    const r = await bot.say(who, text, locale ? { locale } : undefined);
    return { ...r, json: JSON.stringify([r.cards, r.texts]) };
  };
  const inChannel = (who: Person, text: string, opts?: { mention?: boolean; locale?: string }) => turn(channelMessage(bot.connector.url, who, text, opts));
  const submitActions = (card: unknown) => {
    const found: any[] = [];
    const walk = (n: unknown) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== "object") return;
      const o = n as Record<string, unknown>;
      if (o.type === "Action.Submit") found.push(o);
      Object.values(o).forEach(walk);
    };
    walk(card);
    return found;
  };
  const executeActions = (card: unknown) => {
    const found: any[] = [];
    const walk = (n: unknown) => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== "object") return;
      const o = n as Record<string, unknown>;
      if (o.type === "Action.Execute") found.push(o);
      Object.values(o).forEach(walk);
    };
    walk(card);
    return found;
  };

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => now });
    // The lists, not the GPDS's decision: the coordinators act on the 16+ at once (gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    cases.lea = await report(claire, "Dupont", "Léa", 17);
    cases.paul = await report(claire, "Dupont", "Paul", 17);
    cases.hugo = await report(claire, "Durand", "Mathis", 14); // under 16: the school's GPDS alone
    cases.zoe = await report(claire, "Moreau-Lefèvre", "Zoé", 17);
    const sophieActor = await actorOf(sophie);
    const v = (await prisma().case.findUniqueOrThrow({ where: { id: cases.zoe.caseId } })).version;
    const taken = await bot.app.services.triage.act(sophieActor, cases.zoe.caseId, v, { verb: "takeCharge" });
    if (!taken.ok) throw new Error(taken.reason);
  }, 60_000);
  afterAll(async () => bot?.stop());

  describe("in a personal chat", () => {
    it("statut D-… gives a teacher the status of her own report, without the triage details", async () => {
      const r = await say(claire, `statut ${cases.lea!.reference}`);
      expect(r.cards).toHaveLength(1);
      const text = cardText(r.cards[0]);
      expect(text).toContain(cases.lea!.reference);
      expect(text).toContain("Repéré");
      expect(text).toContain("Léa Dupont");
      expect(text).toContain("Vous voyez le statut de votre fiche de repérage");
      expect(text).not.toContain("Suivi par");
      expect(executeActions(r.cards[0])).toEqual([]);
    });

    it("a bare reference gives the référent the status, assignee, last event and next review, and opens the case card", async () => {
      const r = await say(karim, cases.zoe!.reference);
      const text = cardText(r.cards[0]);
      expect(text).toContain("Pris en charge");
      expect(text).toContain("Zoé Moreau-Lefèvre");
      expect(text).toMatch(/Suivi par\nSophie Laurent/);
      expect(text).toMatch(/Dernier événement\nPris en charge, le /);
      expect(text).toMatch(/Prochain bilan\nNon fixé/);
      expect(executeActions(r.cards[0])).toEqual([
        expect.objectContaining({ verb: "case.refresh", data: { caseId: cases.zoe!.caseId }, title: "Ouvrir la fiche" }),
      ]);
    });

    it("forgives case, accents and one slip in the command word", async () => {
      for (const phrasing of [
        `STATUT ${cases.lea!.reference}`,
        `Statut ${cases.lea!.reference.toLowerCase()}`,
        `stauts ${cases.lea!.reference}`,
        `état ${cases.lea!.reference}`,
      ]) {
        const r = await say(karim, phrasing);
        expect(cardText(r.cards[0]), phrasing).toContain(cases.lea!.reference);
      }
    });

    it("does not reveal a case outside the caller's scope", async () => {
      const other = await report(person("Thomas Girard"), "Caché", "Tom", 17);
      const r = await say(claire, `statut ${other.reference}`);
      expect(r.cards).toEqual([]);
      expect(r.texts).toEqual([
        `Je ne trouve pas de dossier ${other.reference} parmi ceux que vous pouvez consulter. Vérifiez la référence (par exemple D-2026-0042).`,
      ]);
      expect(r.json).not.toContain("Caché");
    });

    it("statut <nom>: one match answers directly, several are listed, none says so", async () => {
      const one = await say(karim, "statut Léa Dupont");
      expect(cardText(one.cards[0])).toContain(cases.lea!.reference);
      expect(cardText(one.cards[0])).toContain("Léa Dupont");
      const several = await say(karim, "statut dupont");
      const list = cardText(several.cards[0]);
      expect(list).toContain("Dossiers pour « dupont »");
      expect(list).toContain(`${cases.lea!.reference} · Repéré`);
      expect(list).toContain(`${cases.paul!.reference} · Repéré`);
      expect(
        executeActions(several.cards[0])
          .map((a) => a.data.caseId)
          .sort(),
      ).toEqual([cases.lea!.caseId, cases.paul!.caseId].sort());
      const none = await say(karim, "statut Martinez");
      expect(none.texts).toEqual(["Aucun dossier ne correspond à « Martinez » parmi ceux que vous pouvez consulter."]);
    });

    it("reads a question in plain French: « où en est le dossier de Léa ? »", async () => {
      for (const question of ["où en est le dossier de Léa ?", "Où en est Léa Dupont ?", "statut de l'élève Léa Dupont", "suivi du dossier de Léa"]) {
        const r = await say(karim, question);
        expect(r.texts.join("\n"), question).not.toContain("Aucun dossier");
        expect(cardText(r.cards[0]), question).toContain(cases.lea!.reference);
      }
    });

    it("offers the close names of the caller's own cases on a one-letter slip, as buttons", async () => {
      const thomas = person("Thomas Girard"); // teacher in two other schools
      const ines = await report(thomas, "Hénault", "Inès", 17);
      const r = await say(thomas, "statut Henaut");
      const card = cardText(r.cards[0]);
      expect(card).toContain("Aucun dossier ne correspond à « Henaut »");
      expect(card).toContain("Vouliez-vous dire :");
      const button = submitActions(r.cards[0]).find((a) => a.title === "Inès Hénault");
      expect(button, card).toBeDefined();
      const chosen = await bot.submit(thomas, button.data);
      expect(cardText(chosen.cards[0])).toContain(ines.reference);
      // Two names one slip away from « Dupond »: both offered to the référent of their school.
      const dupond = await say(karim, "statut Dupond");
      expect(
        submitActions(dupond.cards[0])
          .map((a) => a.title)
          .sort(),
      ).toEqual(["Léa Dupont", "Paul Dupont"]);
      // Nobody is offered a name outside what they may see.
      const elsewhere = await say(karim, "statut Henaut");
      expect(elsewhere.json).not.toContain("Hénault");
      expect(elsewhere.texts).toEqual(["Aucun dossier ne correspond à « Henaut » parmi ceux que vous pouvez consulter."]);
      // Nor in English without the English words.
      const english = await say(thomas, "status Henaut", "en-US");
      expect(cardText(english.cards[0])).toContain("Did you mean:");
    });

    it("statut <nom> is not offered to an admin, who sees statuses without names", async () => {
      const byName = await say(nathalie, "statut Dupont");
      expect(byName.texts[0]).toContain("La recherche par nom n'est pas proposée aux administrateurs");
      const byRef = await say(nathalie, `statut ${cases.lea!.reference}`);
      expect(cardText(byRef.cards[0])).toContain("Repéré");
      expect(byRef.json).not.toMatch(/Dupont|Léa|L\. D\./);
    });

    it("mes signalements lists the teacher's reports with a count per status", async () => {
      const r = await say(claire, "mes signalements");
      const text = cardText(r.cards[0]);
      expect(text).toContain("Vos fiches de repérage");
      expect(text).toContain("4 dossiers ouverts par vos fiches de repérage.");
      expect(text).toMatch(/Repéré\n3/);
      expect(text).toMatch(/Pris en charge\n1/);
      for (const c of ["lea", "paul", "hugo", "zoe"]) expect(text).toContain(cases[c]!.reference);
      expect(text).toContain("Léa Dupont");
      expect(await say(karim, "mes signalements")).toMatchObject({
        texts: ["Vous n'avez repéré aucun élève pour l'instant. Écrivez « signaler » pour remplir une fiche de repérage."],
      });
    });

    it("à traiter gives the référent the waiting cases, oldest first, and the teacher a kind pointer", async () => {
      const r = await say(karim, "à traiter");
      const text = cardText(r.cards[0]);
      expect(text).toContain("À traiter");
      expect(text).toMatch(/\d+ dossiers attendent une action\./);
      expect(text.indexOf(cases.lea!.reference)).toBeLessThan(text.indexOf(cases.paul!.reference));
      expect(text).not.toContain(cases.zoe!.reference); // held by the coordinator
      expect(cardText((await say(karim, "a traiter")).cards[0])).toContain("À traiter");
      const staff = await say(claire, "à traiter");
      expect(staff.cards).toEqual([]);
      expect(staff.texts).toEqual([
        "« À traiter » sert aux référents décrochage et aux coordonnateurs MLDS, pour les dossiers qui attendent une action. Pour suivre les élèves que vous avez repérés, écrivez « mes fiches ».",
      ]);
    });

    it("en retard lists the new cases not taken in charge after two school days", async () => {
      expect((await say(karim, "en retard")).texts[0]).toContain("Aucun dossier en retard");
      now = new Date(Date.now() + 10 * DAY);
      try {
        const r = await say(karim, "en retard");
        const text = cardText(r.cards[0]);
        expect(text).toContain("En retard");
        expect(text).toContain(`${cases.lea!.reference} · Repéré`);
        expect(text).toContain("⚠ non pris en charge");
        expect(text).not.toContain(cases.zoe!.reference);
      } finally {
        now = new Date();
      }
    });

    it("answers in English for an English Teams client", async () => {
      const status = await say(karim, `status ${cases.zoe!.reference}`, "en-US");
      expect(cardText(status.cards[0])).toMatch(/Followed by\nSophie Laurent/);
      expect(cardText((await say(claire, "my reports", "en-GB")).cards[0])).toContain("Your identification forms");
      expect(cardText((await say(karim, "to do", "en-US")).cards[0])).toContain("To do");
      expect((await say(karim, "overdue", "en-US")).texts[0]).toContain("No overdue case");
      expect((await say(claire, "to do", "en-US")).texts[0]).toContain("type “my reports”");
    });

    it("asks someone unknown to get registered", async () => {
      const stranger = { aadObjectId: "00000000-0000-4000-8000-0000000009ff", displayName: "Inconnu Total" } as Person;
      const r = await say(stranger, `statut ${cases.lea!.reference}`);
      expect(cardText(r.cards[0])).toContain("Vous n'êtes pas encore inscrit(e) dans Repère");
      expect(r.json).not.toContain("Dupont");
    });

    it("tells the teacher what comes next as it is: not taken yet, followed by the MLDS, closed", async () => {
      const note = async (reference: string) => cardText((await say(claire, `statut ${reference}`)).cards[0]);
      expect(await note(cases.lea!.reference)).toContain("Le référent décrochage de l'établissement examinera la situation");
      expect(await note(cases.zoe!.reference)).toContain("La MLDS du bassin suit ce dossier");
      expect(await note(cases.zoe!.reference)).not.toContain("référent décrochage");
      const closed = await report(claire, "Clos", "Noa", 17);
      const sophieActor = await actorOf(sophie);
      const v = (await prisma().case.findUniqueOrThrow({ where: { id: closed.caseId } })).version;
      const dismissed = await bot.app.services.triage.act(sophieActor, closed.caseId, v, { verb: "dismiss", reason: "Situation réglée" });
      expect(dismissed.ok).toBe(true);
      const text = await note(closed.reference);
      expect(text).toContain("Ce dossier est clos. Merci pour votre vigilance.");
      expect(text).not.toContain("vous préviendra");
    });

    it("does not promise a référent to the teacher of a school that has none: says where the report went", async () => {
      // Victor-Hugo loses its référent and chef d'établissement (left, deactivated) for a moment.
      const victorHugo = await prisma().school.findUniqueOrThrow({ where: { uai: "0690001B" } });
      const leads = await prisma().member.findMany({
        where: { active: true, role: { in: ["REFERENT", "HEAD"] }, schools: { some: { schoolId: victorHugo.id } } },
        select: { id: true },
      });
      expect(leads.length).toBeGreaterThan(0);
      await prisma().member.updateMany({ where: { id: { in: leads.map((l) => l.id) } }, data: { active: false } });
      try {
        const status = cardText((await say(claire, `statut ${cases.lea!.reference}`)).cards[0]);
        expect(status).toContain("Aucun référent décrochage ni chef d'établissement n'est enregistré pour votre établissement");
        expect(status).not.toContain("Le référent décrochage de l'établissement");
        // The case the MLDS took keeps its own words.
        expect(cardText((await say(claire, `statut ${cases.zoe!.reference}`)).cards[0])).toContain("La MLDS du bassin suit ce dossier");
        const english = cardText((await say(claire, `status ${cases.lea!.reference}`, "en-US")).cards[0]);
        expect(english).toContain("No dropout referent or head of school is recorded for your school");
      } finally {
        await prisma().member.updateMany({ where: { id: { in: leads.map((l) => l.id) } }, data: { active: true } });
      }
    });
  });

  describe("in a channel, with an @mention", () => {
    const noFullName = (t: Turn) => {
      for (const secret of ["Dupont", "Léa", "Paul", "Moreau-Lefèvre", "Zoé", "Durand", "Mathis", "Arrive en retard", "Dit vouloir"])
        expect(t.json, secret).not.toContain(secret);
    };

    it("answers statut D-… with initials, and no name", async () => {
      const r = await inChannel(sophie, `statut ${cases.lea!.reference}`);
      expect(r.cards).toHaveLength(1);
      const text = cardText(r.cards[0]);
      expect(text).toContain(cases.lea!.reference);
      expect(text).toContain("L. D. · 1re 4 · Lycée Victor-Hugo");
      expect(text).toContain("Dans un canal, je n'affiche pas les noms des élèves");
      noFullName(r);
    });

    it("strips the mention before reading the command, even with a slip in it", async () => {
      const r = await inChannel(sophie, `Stauts ${cases.zoe!.reference}`);
      expect(cardText(r.cards[0])).toContain(cases.zoe!.reference);
      expect(r.texts.join(" ")).not.toContain("Je n'ai pas compris");
      noFullName(r);
    });

    it("keeps an under-16 case of the school out of the channel", async () => {
      const r = await inChannel(karim, `statut ${cases.hugo!.reference}`);
      expect(r.texts).toEqual([
        `Le dossier ${cases.hugo!.reference} est suivi par l'établissement seul (élève de moins de 16 ans) : demandez-le-moi en conversation privée.`,
      ]);
      noFullName(r);
    });

    it("refuses a search by name, which would tie the name typed to a case in front of everyone; references still work", async () => {
      for (const [who, text] of [
        [karim, "statut Dupont"],
        [karim, "statut Léa Dupont"],
        [sophie, "statut Durand"],
      ] as const) {
        const r = await inChannel(who, text);
        expect(r.cards, text).toEqual([]);
        expect(r.texts, text).toEqual([
          "Dans un canal ou une conversation de groupe, je ne cherche pas les élèves par leur nom : tout le monde y verrait qu'un dossier existe pour ce nom. Demandez-le-moi en conversation privée, ou donnez la référence du dossier (par exemple « statut D-2026-0042 »).",
        ]);
      }
      const byReference = await inChannel(karim, `statut ${cases.lea!.reference}`);
      expect(cardText(byReference.cards[0])).toContain(cases.lea!.reference);
      noFullName(byReference);
    });

    it("refuses a search by name in a group chat too", async () => {
      const activity = channelMessage(bot.connector.url, karim, "statut Dupont");
      activity.conversation = { id: "19:group-chat@thread.v2", conversationType: "groupChat", isGroup: true, tenantId: DEMO_TENANT_ID };
      activity.channelData = { tenant: { id: DEMO_TENANT_ID } };
      const r = await turn(activity);
      expect(r.cards).toEqual([]);
      expect(r.texts.join(" ")).toContain("je ne cherche pas les élèves par leur nom");
    });

    it("answers mes signalements, à traiter and en retard with initials only", async () => {
      const mine = await inChannel(claire, "mes signalements");
      expect(cardText(mine.cards[0])).toContain("Vos fiches de repérage");
      expect(cardText(mine.cards[0])).toContain("L. D.");
      expect(cardText(mine.cards[0])).not.toContain(cases.hugo!.reference); // under 16, school's own
      noFullName(mine);
      const todo = await inChannel(sophie, "à traiter");
      expect(cardText(todo.cards[0])).toContain("À traiter");
      expect(cardText(todo.cards[0])).toContain(cases.lea!.reference);
      noFullName(todo);
      now = new Date(Date.now() + 10 * DAY);
      try {
        const late = await inChannel(sophie, "en retard");
        expect(cardText(late.cards[0])).toContain(cases.paul!.reference);
        noFullName(late);
      } finally {
        now = new Date();
      }
      const english = await inChannel(sophie, "to do", { locale: "en-US" });
      expect(cardText(english.cards[0])).toContain("In a channel I show neither pupils' names");
      noFullName(english);
    });

    it("stays silent when it is not mentioned", async () => {
      const r = await inChannel(sophie, `statut ${cases.lea!.reference}`, { mention: false });
      expect(r.cards).toEqual([]);
      expect(r.texts).toEqual([]);
    });
  });

  describe("for a member who holds a case they did not report", () => {
    // A référent who became a teacher keeps seeing the cases still assigned to them (can()). Who
    // holds cases is read with each message: the searches of those who hold none leave that out.
    it("finds it by name while it is assigned to them, and no longer once it is not", async () => {
      const held = await report(karim, "Fontaine", "Jules", 17);
      const claireId = (await actorOf(claire)).memberId;
      await prisma().case.update({ where: { id: held.caseId }, data: { assigneeId: claireId } });
      const assigned = await say(claire, "statut Fontaine");
      expect(cardText(assigned.cards[0])).toContain(held.reference);
      const mine = await say(claire, "statut Dupont");
      expect(cardText(mine.cards[0])).toContain(cases.lea!.reference);

      await prisma().case.update({ where: { id: held.caseId }, data: { assigneeId: null } });
      const released = await say(claire, "statut Fontaine");
      expect(released.texts).toEqual(["Aucun dossier ne correspond à « Fontaine » parmi ceux que vous pouvez consulter."]);
    });
  });
});
