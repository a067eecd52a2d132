import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { BOT, cardText, execute, person, startTestBot, type Person, type TestBot, installInTeam } from "../helpers/bot-harness.js";

/** Requests of the data subject, answered by an admin from Teams: `export élève D-…` (a
 *  confirmation card, then a signed link to a JSON file valid one hour) and `effacer élève D-…`
 *  (a confirmation card, then the pupil's identity and notes gone from every case); both leave an
 *  event in the history, which `historique D-…` shows to the people allowed to see it. */

const claire = person("Claire Martin"); // teacher, Lycée Victor-Hugo (Nord)
const karim = person("Karim Benali"); // référent, Lycée Victor-Hugo
const sophie = person("Sophie Laurent"); // coordinator, Nord
const nathalie = person("Nathalie Roux"); // admin
const YEAR = new Date().getFullYear();
const NORD = DEMO_CHANNELS[0].channelId;
const personalOf = (p: Person) => ({ conversationId: `a:personal-${p.aadObjectId}`, type: "personal" as const });

function executeAction(card: unknown, title: string): { verb: string; data: Record<string, unknown> } {
  let found: { verb: string; data: Record<string, unknown> } | null = null;
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const o = n as Record<string, unknown>;
    if (!found && o.type === "Action.Execute" && o.title === title) found = { verb: o.verb as string, data: o.data as Record<string, unknown> };
    Object.values(o).forEach(walk);
  };
  walk(card);
  if (!found) throw new Error(`no "${title}" on the card:\n${cardText(card)}`);
  return found;
}

function openUrlOf(card: unknown): string {
  const actions = (card as { actions?: { type: string; url?: string }[] }).actions ?? [];
  const open = actions.find((a) => a.type === "Action.OpenUrl");
  if (!open?.url) throw new Error(`no Action.OpenUrl on the card:\n${cardText(card)}`);
  return open.url;
}

describe("access and erasure requests, from an admin's personal chat", () => {
  let bot: TestBot;
  let now = new Date();
  let n = 0;
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (p: Person) => (await bot.app.services.members.identify(DEMO_TENANT_ID, p.aadObjectId)) as Actor;
  const version = async (caseId: string) => (await prisma().case.findUniqueOrThrow({ where: { id: caseId } })).version;

  /** A pupil with two cases: one dismissed after a question and its answer, one open with a plan. */
  async function pupilWithHistory(lastName: string): Promise<{ closed: { id: string; reference: string }; open: { id: string; reference: string } }> {
    const reporter = await actorOf(claire);
    const coordinator = await actorOf(sophie);
    const [school] = await bot.app.services.reports.reportingSchools(reporter);
    const submit = async () => {
      const outcome = await bot.app.services.reports.submit(
        reporter,
        {
          pupil: { lastName, firstName: "Zélie", className: "1re 4", schoolId: school!.id, birthYear: YEAR - 17 },
          signals: { signals: [{ code: "LATENESS", note: `Note secrète ${lastName}` }, { code: "NO_PLAN" }] },
          steps: { stepsTaken: ["FAMILY_CONTACTED"], urgency: 2, observations: `Observation secrète ${lastName}` },
        },
        `privacy-${++n}`,
      );
      if (!outcome.ok) throw new Error(outcome.reason);
      return { id: outcome.recorded.caseId, reference: outcome.recorded.reference };
    };
    const closed = await submit();
    const triage = bot.app.services.triage;
    expect((await triage.act(coordinator, closed.id, await version(closed.id), { verb: "requestInfo", question: `Question secrète ${lastName}` })).ok).toBe(
      true,
    );
    expect((await triage.answerInfo(reporter, closed.id, `Réponse secrète ${lastName}`)).ok).toBe(true);
    expect((await triage.act(coordinator, closed.id, await version(closed.id), { verb: "dismiss", reason: `Motif secret ${lastName}` })).ok).toBe(true);
    const open = await submit();
    expect(open.id).not.toBe(closed.id);
    expect((await triage.act(coordinator, open.id, await version(open.id), { verb: "takeCharge" })).ok).toBe(true);
    expect((await triage.act(coordinator, open.id, await version(open.id), { verb: "openPlan" })).ok).toBe(true);
    const added = await bot.app.services.plans.act(coordinator, open.id, await version(open.id), {
      verb: "addAction",
      input: {
        type: "MINI_STAGE",
        description: `Stage secret ${lastName}`,
        company: `Garage ${lastName}`,
        startDate: `${YEAR + 1}-01-05`,
        endDate: `${YEAR + 1}-01-16`,
      },
    });
    expect(added.ok).toBe(true);
    return { closed, open };
  }

  /** The rows, in any table, that contain `secret` (as JSON): to prove nothing about a pupil is left. */
  async function rowsContaining(secret: string): Promise<string[]> {
    const tables = await prisma().$queryRaw<
      { table_name: string }[]
    >`SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    const found: string[] = [];
    for (const { table_name } of tables) {
      const rows = await prisma().$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      for (const r of rows) if (r.row.toLowerCase().includes(secret.toLowerCase())) found.push(`${table_name}: ${r.row.slice(0, 300)}`);
    }
    return found;
  }

  beforeAll(async () => {
    bot = await startTestBot({ clock: () => now });
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    await installInTeam(bot, sophie);
    for (const p of [claire, karim, sophie, nathalie]) await bot.say(p, "aide");
  });
  afterAll(async () => bot?.stop());

  it("exports everything held on a pupil after a confirmation, through a signed link valid one hour, and records who took it", async () => {
    const { closed, open } = await pupilWithHistory("Exportée");
    const admin = await prisma().member.findFirstOrThrow({ where: { aadObjectId: nathalie.aadObjectId } });

    const { cards } = await bot.say(nathalie, `export élève ${open.reference}`);
    expect(cards).toHaveLength(1);
    const confirm = cards[0];
    const text = cardText(confirm);
    expect(text).toContain(`Exporter les données de l'élève · ${open.reference}`);
    expect(text).toContain(`${closed.reference}, ${open.reference}`);
    expect(text).toContain("Z. E."); // initials, not the name
    expect(JSON.stringify(confirm)).not.toContain("Exportée");
    // Asking is not exporting: nothing recorded yet.
    expect(await prisma().caseEvent.count({ where: { caseId: { in: [closed.id, open.id] }, type: "EXPORTED" } })).toBe(0);

    const button = executeAction(confirm, "Exporter (lien valable 1 heure)");
    expect(button.verb).toBe("privacy.export");
    const ready = await execute(bot, nathalie, personalOf(nathalie), button.verb, button.data);
    expect(cardText(ready)).toContain(`Export prêt · ${open.reference}`);
    const url = openUrlOf(ready);
    expect(url.startsWith(`${bot.url}/dl/pupil-data/${admin.id}/${open.id}.json?exp=`)).toBe(true);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="repere-${open.reference}-\\d{4}-\\d{2}-\\d{2}\\.json"$`));
    expect(res.headers.get("cache-control")).toBe("no-store");
    const data = (await res.json()) as any;
    expect(data.format).toBe("repere-pupil-export/1");
    expect(data.pupil).toMatchObject({
      lastName: "Exportée",
      firstName: "Zélie",
      birthYear: YEAR - 17,
      className: "1re 4",
      school: { name: "Lycée Victor-Hugo" },
    });
    expect(data.cases.map((c: any) => c.reference)).toEqual([closed.reference, open.reference]);
    const all = JSON.stringify(data);
    for (const secret of [
      "Note secrète Exportée",
      "Observation secrète Exportée",
      "Question secrète Exportée",
      "Réponse secrète Exportée",
      "Motif secret Exportée",
      "Stage secret Exportée",
      "Garage Exportée",
      "Claire Martin",
      "Sophie Laurent",
    ]) {
      expect(all).toContain(secret);
    }

    const exported = await prisma().caseEvent.findMany({ where: { caseId: { in: [closed.id, open.id] }, type: "EXPORTED" } });
    expect(exported).toHaveLength(2);
    expect(exported.every((e) => e.actorId === admin.id && (e.data as any).requestedFor === open.reference)).toBe(true);

    // The history shows who exported, and when.
    const { cards: history } = await bot.say(nathalie, `historique ${closed.reference}`);
    expect(cardText(history[0])).toContain(`Historique · ${closed.reference}`);
    expect(cardText(history[0])).toContain("Données exportées (Nathalie Roux)");
  });

  it("refuses a link that was changed, made up or has expired", async () => {
    const { open, closed } = await pupilWithHistory("Lien");
    const confirm = (await bot.say(nathalie, `export élève ${open.reference}`)).cards[0];
    const button = executeAction(confirm, "Exporter (lien valable 1 heure)");
    const url = openUrlOf(await execute(bot, nathalie, personalOf(nathalie), button.verb, button.data));
    const parsed = new URL(url);
    const sig = parsed.searchParams.get("sig")!;
    const tampered = url.replace(`sig=${sig}`, `sig=${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(url.replace(open.id, closed.id))).status).toBe(403); // another case, same signature
    const later = url.replace(/exp=\d+/, (m) => `exp=${Number(m.slice(4)) + 3600}`);
    expect((await fetch(later)).status).toBe(403); // a longer life is not granted by editing the link
    expect((await fetch(`${bot.url}/dl/pupil-data/x/y.json`)).status).toBe(403);
    expect(await prisma().caseEvent.count({ where: { caseId: { in: [open.id, closed.id] }, type: "EXPORTED" } })).toBe(0);

    now = new Date(now.getTime() + 61 * 60_000);
    try {
      const expired = await fetch(url);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain("expired");
    } finally {
      now = new Date();
    }
    expect(await prisma().caseEvent.count({ where: { caseId: { in: [open.id, closed.id] }, type: "EXPORTED" } })).toBe(0);
  });

  it("serves a valid link only while its requester is still an admin", async () => {
    const { open } = await pupilWithHistory("Révoquée");
    const confirm = (await bot.say(nathalie, `export élève ${open.reference}`)).cards[0];
    const button = executeAction(confirm, "Exporter (lien valable 1 heure)");
    const url = openUrlOf(await execute(bot, nathalie, personalOf(nathalie), button.verb, button.data));
    await prisma().member.updateMany({ where: { aadObjectId: nathalie.aadObjectId }, data: { role: "COORDINATOR" } });
    try {
      expect((await fetch(url)).status).toBe(403);
    } finally {
      await prisma().member.updateMany({ where: { aadObjectId: nathalie.aadObjectId }, data: { role: "ADMIN" } });
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it("keeps these requests to admins, without telling others whether a case exists", async () => {
    const { open } = await pupilWithHistory("Refusée");
    for (const who of [claire, karim, sophie]) {
      for (const command of [`export élève ${open.reference}`, `effacer élève ${open.reference}`, "export pupil D-1999-9999"]) {
        const { texts, cards } = await bot.say(who, command);
        expect(cards).toEqual([]);
        expect(texts).toEqual(["Les demandes d'accès et d'effacement des données d'un élève sont réservées aux administrateurs de l'académie."]);
      }
    }
    expect((await bot.say(nathalie, "export élève D-1999-9999")).texts).toEqual(["Aucun dossier D-1999-9999."]);
    // A button pressed by someone else than an admin (forged, or a card forwarded) is refused too.
    const forged = await execute(bot, sophie, personalOf(sophie), "privacy.erase", { caseId: open.id, reference: open.reference });
    expect(cardText(forged)).toContain("réservées aux administrateurs");
    expect(await prisma().caseEvent.count({ where: { caseId: open.id, type: { in: ["EXPORTED", "ERASED"] } } })).toBe(0);
  });

  it("asks for these commands in the personal chat when typed in a channel", async () => {
    const activity = {
      type: "message",
      id: `chan-privacy-${Date.now()}`,
      text: "<at>Repère</at> effacer élève D-2026-0042",
      entities: [{ type: "mention", mentioned: BOT, text: "<at>Repère</at>" }],
      serviceUrl: bot.connector.url,
      channelId: "msteams",
      from: { id: `29:${nathalie.aadObjectId}`, aadObjectId: nathalie.aadObjectId },
      recipient: BOT,
      conversation: { id: NORD, conversationType: "channel", isGroup: true, tenantId: DEMO_TENANT_ID },
      channelData: { tenant: { id: DEMO_TENANT_ID }, team: { id: NORD }, channel: { id: NORD } },
      locale: "fr-FR",
    };
    const before = bot.connector.sent.length;
    await bot.post(activity);
    expect(bot.connector.texts().slice(-1)).toEqual([
      "Pour protéger les données des élèves, écrivez cette commande dans votre conversation personnelle avec Repère.",
    ]);
    expect(bot.connector.sent.length).toBe(before + 1);
  });

  it("erases a pupil after a confirmation: identity and notes leave every case and every table, statistics and an audit event stay", async () => {
    const { closed, open } = await pupilWithHistory("Effacée");
    // The cards are in Teams already: the channel's, and the référent's personal copy with the name.
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    expect(await prisma().channelPost.count({ where: { caseId: open.id } })).toBeGreaterThan(0);
    const admin = await prisma().member.findFirstOrThrow({ where: { aadObjectId: nathalie.aadObjectId } });
    const before = await prisma().case.findUniqueOrThrow({ where: { id: open.id }, include: { pupil: true } });

    const confirm = (await bot.say(nathalie, `effacer élève ${closed.reference}`)).cards[0];
    expect(cardText(confirm)).toContain(`Effacer les données de l'élève · ${closed.reference}`);
    expect(cardText(confirm)).toContain("Cette action est définitive.");
    const cancel = executeAction(confirm, "Annuler");
    expect(cardText(await execute(bot, nathalie, personalOf(nathalie), cancel.verb, cancel.data))).toContain("Demande annulée");
    expect((await prisma().pupil.findUniqueOrThrow({ where: { id: before.pupilId } })).lastName).toBe("Effacée");

    const erase = executeAction(confirm, "Effacer définitivement");
    const done = await execute(bot, nathalie, personalOf(nathalie), erase.verb, erase.data);
    expect(cardText(done)).toContain(`Données de l'élève effacées dans 2 dossier(s) : ${closed.reference}, ${open.reference}.`);

    const pupil = await prisma().pupil.findUniqueOrThrow({ where: { id: before.pupilId } });
    expect(pupil).toMatchObject({
      lastName: "Anonyme",
      firstName: "Élève",
      nameKey: "",
      birthDate: null,
      ine: null,
      birthYear: YEAR - 17,
      className: "1re 4",
      schoolId: before.pupil.schoolId,
    });
    expect(pupil.anonymizedAt).not.toBeNull();
    const cases = await prisma().case.findMany({
      where: { id: { in: [closed.id, open.id] } },
      include: { reports: { include: { signals: { orderBy: { code: "asc" } } } }, events: true, plan: { include: { actions: true } } },
      orderBy: { createdAt: "asc" },
    });
    for (const c of cases) {
      expect(c.anonymizedAt).not.toBeNull();
      expect(c.status).toBe("CLOSED"); // the open case is closed: nobody can follow an anonymous pupil
      expect(c.schoolId).toBe(before.schoolId);
      expect(c.urgency).toBe(2);
      expect(c.reports.flatMap((r) => r.signals.map((s) => [s.code, s.family, s.note]))).toEqual([
        ["LATENESS", "ATTENDANCE", null],
        ["NO_PLAN", "ORIENTATION", null],
      ]);
      expect(c.reports.every((r) => r.observations === null)).toBe(true);
      const erased = c.events.filter((e) => e.type === "ERASED");
      expect(erased).toHaveLength(1);
      expect(erased[0]!.actorId).toBe(admin.id);
      expect(erased[0]!.data).toEqual({ cause: "REQUEST", reference: c.reference, requestedFor: closed.reference });
    }
    expect(cases[1]!.plan!.actions.map((a) => [a.type, a.description, a.company])).toEqual([["MINI_STAGE", "", null]]);
    const types = cases[0]!.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["REPORTED", "INFO_REQUESTED", "INFO_ANSWERED", "DISMISSED", "ERASED"]));

    // Nothing about the pupil is left anywhere in the database.
    for (const secret of [
      "Effacée",
      "Note secrète Effacée",
      "Observation secrète Effacée",
      "Question secrète Effacée",
      "Réponse secrète Effacée",
      "Motif secret Effacée",
      "Stage secret Effacée",
      "Garage Effacée",
      "effacee",
    ]) {
      expect(await rowsContaining(secret), secret).toEqual([]);
    }

    // The cards already in Teams are redrawn without the name.
    bot.connector.clear();
    while ((await bot.app.outbox.drainOnce()).claimed > 0);
    const updates = bot.connector.sent.filter((a) => a.method === "PUT");
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect(JSON.stringify(u.body)).not.toContain("Effacée");

    // A second request finds nothing left to erase; the history shows who erased, and when.
    const again = await execute(bot, nathalie, personalOf(nathalie), erase.verb, erase.data);
    expect(cardText(again)).toContain("ont déjà été effacées");
    const history = (await bot.say(nathalie, `historique ${open.reference}`)).cards[0];
    expect(cardText(history)).toContain("Données effacées (Nathalie Roux)");
    expect(cardText((await bot.say(karim, `historique ${open.reference}`)).cards[0])).toContain("Données effacées (Nathalie Roux)");
  });

  it("shows a history only to the people allowed to see it, and answers others as if the case did not exist", async () => {
    const { open } = await pupilWithHistory("Historique");
    const { cards } = await bot.say(karim, `historique ${open.reference}`);
    expect(cardText(cards[0])).toContain("Pris en charge (Sophie Laurent)");
    expect(await prisma().caseEvent.count({ where: { caseId: open.id, type: "HISTORY_VIEWED" } })).toBe(1);
    const refused = await bot.say(claire, `historique ${open.reference}`);
    const missing = await bot.say(claire, "historique D-1999-9999");
    expect(refused.cards).toEqual([]);
    expect(refused.texts).toEqual([`Aucun dossier ${open.reference} parmi ceux dont vous pouvez consulter l'historique.`]);
    expect(missing.texts).toEqual(["Aucun dossier D-1999-9999 parmi ceux dont vous pouvez consulter l'historique."]);
    expect(await prisma().caseEvent.count({ where: { caseId: open.id, type: "HISTORY_VIEWED" } })).toBe(1);
    const english = await bot.say(claire, "history D-1999-9999", { locale: "en-US" });
    expect(english.texts).toEqual(["No case D-1999-9999 among those whose history you may see."]);
  });
});
