import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXECUTE_VERBS, SUBMIT_ACTIONS } from "../../src/teams/cards/card-verbs.js";
import { MAX_ACTIVITY_TEXT } from "../../src/teams/platform/request-guard.js";
import type { Actor } from "../../src/services/index.js";
import { DEMO_PEOPLE, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import { invokeActivity, personalMessage, startTestBot, type TestBot } from "../helpers/bot-harness.js";

/** Random and malformed input thrown at the HTTP endpoint, the card actions and the services:
 *  no crash, no HTTP 500, and no partial write (a refused call changes nothing; an accepted one
 *  changes its case by exactly one version and one event). */

const YEAR = new Date().getFullYear();
const people = DEMO_PEOPLE.map((p) => ({ aadObjectId: p.aadObjectId, displayName: p.displayName }));
const someone = fc.oneof(fc.constantFrom(...people), fc.record({ aadObjectId: fc.uuid(), displayName: fc.string({ maxLength: 20 }) }));
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 600 }),
  fc.integer(),
  fc.constant(null),
  fc.anything({ maxDepth: 2 }),
);

describe("fuzzing the bot and its services", () => {
  let bot: TestBot;
  const caseIds: string[] = [];
  const prisma = () => bot.app.store.db.prisma;
  const actorOf = async (aad: string) => (await bot.app.services.members.identify(DEMO_TENANT_ID, aad)) as Actor;

  /** What a call may change on a case. */
  const trace = async (caseId: string) => {
    const c = await prisma().case.findUniqueOrThrow({
      where: { id: caseId },
      include: { _count: { select: { events: true, reports: true } }, plan: { include: { actions: true } }, outcome: true, pupil: true },
    });
    const { updatedAt: _u, ...rest } = c;
    return rest;
  };
  /** Invariants of the whole database that a half-done write would break. */
  const consistent = async () => {
    const orphans = await prisma().$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "Case" c
       WHERE NOT EXISTS (SELECT 1 FROM "Report" r WHERE r."caseId" = c."id")
          OR NOT EXISTS (SELECT 1 FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."type" IN ('REPORTED'))
          OR (c."status" = 'CLOSED') <> (c."closedAt" IS NOT NULL)
          OR (c."status" IN ('PLAN_ACTIVE', 'REVIEW_DUE') AND NOT EXISTS (SELECT 1 FROM "Plan" p WHERE p."caseId" = c."id"))`;
    expect(Number(orphans[0]!.n)).toBe(0);
    expect(await prisma().pupil.count({ where: { cases: { none: {} } } })).toBe(0);
    expect(await prisma().reportSignal.count({ where: { OR: [{ note: { not: null } }] } })).toBeGreaterThanOrEqual(0);
  };

  beforeAll(async () => {
    bot = await startTestBot();
    // The coordinators act on the 16+ at once here (the bassin's setting: test/bot/gpds-process.test.ts).
    await bot.app.store.db.kysely.updateTable("District").set({ mldsAccess: "IMMEDIATE" }).execute();
    for (const p of people) await bot.say(p as never, "aide");
    // Cases in several states, for the random actions to land on.
    const claire = await actorOf(DEMO_PEOPLE[0]!.aadObjectId);
    const sophie = await actorOf(DEMO_PEOPLE[2]!.aadObjectId);
    const [school] = await bot.app.services.reports.reportingSchools(claire);
    for (let i = 0; i < 6; i++) {
      const r = await bot.app.services.reports.submit(
        claire,
        {
          pupil: {
            lastName: `Aléa${String.fromCharCode(65 + i)}`,
            firstName: "Noa",
            className: "1re 1",
            schoolId: school!.id,
            birthYear: YEAR - (i % 2 ? 17 : 14),
          },
          signals: { signals: [{ code: "LATENESS", note: "Note" }] },
          steps: { stepsTaken: [], urgency: 2 },
        },
        `fuzz-${i}`,
      );
      if (!r.ok) throw new Error(r.reason);
      caseIds.push(r.recorded.caseId);
    }
    const v = async (id: string) => (await prisma().case.findUniqueOrThrow({ where: { id } })).version;
    await bot.app.services.triage.act(sophie, caseIds[1]!, await v(caseIds[1]!), { verb: "takeCharge" });
    await bot.app.services.triage.act(sophie, caseIds[3]!, await v(caseIds[3]!), { verb: "takeCharge" });
    await bot.app.services.triage.act(sophie, caseIds[3]!, await v(caseIds[3]!), { verb: "openPlan" });
    await bot.app.services.triage.act(sophie, caseIds[5]!, await v(caseIds[5]!), { verb: "requestInfo", question: "Depuis quand ?" });
  });
  afterAll(async () => bot?.stop());

  it("answers any request body on /api/messages without a 500", async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom(
        "",
        "{",
        "null",
        "[]",
        '{"type":1}',
        '{"type":"message"}',
        '{"type":"invoke","name":"adaptiveCard/action"}',
        "\u0000",
        '{"__proto__":{"admin":true}}',
      ),
    );
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1");
    await fc.assert(
      fc.asyncProperty(body, contentType, async (raw, type) => {
        const res = await fetch(`${bot.url}/api/messages`, { method: "POST", headers: { "content-type": type }, body: raw });
        expect(res.status, `${type} ${raw.slice(0, 80)}`).not.toBe(500);
        expect(res.status).toBeLessThan(500);
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it("refuses a message longer than Teams allows, before it reaches the bot", async () => {
    const who = { aadObjectId: "00000000-0000-4000-8000-0000000000ff", displayName: "Inconnu" };
    const long = personalMessage(bot.connector.url, who, { text: `signaler ${"é".repeat(MAX_ACTIVITY_TEXT)}` });
    const res = await bot.post(long);
    expect(res.status).toBe(400);
    expect(await bot.app.store.conversations.personalChatOf(who.aadObjectId)).toBeNull();
    const atLimit = await bot.post(personalMessage(bot.connector.url, who, { text: "x".repeat(MAX_ACTIVITY_TEXT) }));
    expect(atLimit.status).toBe(200);
  });

  it("handles random activities of every kind without a 500, and leaves the database consistent", async () => {
    const activity = fc.record({
      who: someone,
      type: fc.oneof(
        fc.constantFrom("message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction", "typing", "event", "endOfConversation"),
        fc.string({ minLength: 1, maxLength: 20 }),
      ),
      name: fc.oneof(
        fc.constantFrom("adaptiveCard/action", "task/fetch", "composeExtension/query", "signin/verifyState", "fileConsent/invoke"),
        fc.string({ maxLength: 30 }),
      ),
      text: fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.constantFrom(
          "signaler",
          "aide",
          "statut D-2026-0001",
          "effacer élève D-2026-0001",
          "export élève D-2026-0001",
          "historique D-2026-0001",
          "à traiter",
          "canal académie",
        ),
      ),
      value: fc.oneof(
        junk,
        fc.record({ action: fc.oneof(fc.constantFrom(...SUBMIT_ACTIONS), fc.string()), draftId: junk }, { requiredKeys: [] }),
        fc.record({
          action: fc.record({
            type: fc.constant("Action.Execute"),
            verb: fc.oneof(fc.constantFrom(...EXECUTE_VERBS), fc.string()),
            data: fc.oneof(junk, fc.record({ caseId: fc.oneof(fc.constantFrom(...caseIds), fc.uuid(), fc.string()), version: junk })),
          }),
        }),
      ),
      conversationType: fc.constantFrom("personal", "channel", "groupChat", undefined),
      locale: fc.oneof(fc.constantFrom("fr-FR", "en-US", undefined), fc.string({ maxLength: 10 })),
      channelData: fc.oneof(
        fc.constant(undefined),
        fc.record({ tenant: fc.record({ id: fc.oneof(fc.constant(DEMO_TENANT_ID), fc.string()) }) }),
        fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(activity, async (a) => {
        const base = personalMessage(bot.connector.url, a.who, { text: a.text, value: a.value, ...(a.locale ? { locale: a.locale } : {}) });
        const body: Record<string, unknown> = {
          ...base,
          type: a.type,
          ...(a.type === "invoke" ? { name: a.name } : {}),
          conversation: { ...(base.conversation as object), ...(a.conversationType ? { conversationType: a.conversationType } : {}) },
          ...(a.channelData !== undefined ? { channelData: a.channelData } : {}),
        };
        const res = await bot.post(body);
        expect(res.status, JSON.stringify(body).slice(0, 200)).not.toBe(500);
        // Teams' own answer for an invoke the bot does not handle is 501 (Not Implemented).
        expect(res.status === 501 ? a.type === "invoke" : res.status < 500).toBe(true);
        await res.arrayBuffer();
      }),
      { numRuns: 120 },
    );
    await consistent();
  });

  it("answers every card action (forged verbs, forged data, anyone) with a card, and changes a case by one step or not at all", async () => {
    const action = fc.record({
      who: someone,
      verb: fc.oneof(fc.constantFrom(...EXECUTE_VERBS), fc.string({ maxLength: 30 })),
      caseIndex: fc.nat({ max: caseIds.length - 1 }),
      versionShift: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 2 })),
      extra: fc.dictionary(
        fc.constantFrom(
          "question",
          "reason",
          "answer",
          "assigneeId",
          "actionId",
          "status",
          "outcome",
          "comment",
          "objective",
          "nextReviewAt",
          "key",
          "type__new",
          "description__new",
          "company__new",
          "startDate__new",
          "endDate__new",
          "partner__new",
          "outboxId",
          "role",
        ),
        junk,
        { maxKeys: 6 },
      ),
      where: fc.constantFrom("personal", "channel"),
    });
    await fc.assert(
      fc.asyncProperty(action, async (a) => {
        const caseId = caseIds[a.caseIndex]!;
        const before = await trace(caseId);
        const data = { ...a.extra, caseId, version: before.version + a.versionShift };
        const where =
          a.where === "personal"
            ? { conversationId: `a:personal-${a.who.aadObjectId}`, type: "personal" as const }
            : { conversationId: "19:demo-team-nord@thread.tacv2", type: "channel" as const, teamId: "19:demo-team-nord@thread.tacv2" };
        const res = await bot.post(invokeActivity(bot.connector.url, a.who, where, a.verb, data));
        expect(res.status).toBe(200);
        const reply = (await res.json()) as { statusCode: number; type: string; value: { type: string } };
        expect(reply).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive", value: { type: "AdaptiveCard" } });
        const after = await trace(caseId);
        if (after.version === before.version) {
          // Nothing changed but, at most, an audit event of a consultation.
          const { _count: c1, ...b } = before;
          const { _count: c2, ...f } = after;
          expect(f).toEqual(b);
          expect(c2.reports).toBe(c1.reports);
        } else {
          expect(after.version).toBe(before.version + 1);
          // Only the version the caller saw may change; an erasure is confirmed on its own card, which
          // carries no version: it applies to the case as it is (an admin, after a confirmation).
          if (a.verb === "privacy.erase") expect(before.anonymizedAt === null && after.anonymizedAt !== null).toBe(true);
          else expect(a.versionShift).toBe(0);
        }
      }),
      { numRuns: 150 },
    );
    await consistent();
  });

  it("keeps the services total: random commands and drafts are refused or applied whole", async () => {
    const services = bot.app.services;
    const actors = await Promise.all(people.map((p) => actorOf(p.aadObjectId)));
    const command = fc.oneof(
      fc.record({ verb: fc.constantFrom("takeCharge", "escalate", "openPlan") }),
      fc.record({ verb: fc.constant("assign"), assigneeId: fc.oneof(fc.string(), fc.uuid()) }),
      fc.record({ verb: fc.constantFrom("requestInfo"), question: fc.oneof(fc.string({ maxLength: 700 }), fc.constant(" ")) }),
      fc.record({ verb: fc.constantFrom("dismiss"), reason: fc.oneof(fc.string({ maxLength: 700 }), fc.constant("")) }),
    );
    const planCommand = fc.oneof(
      fc.record({
        verb: fc.constantFrom("addAction"),
        input: fc.oneof(
          junk,
          fc.record(
            {
              type: fc.oneof(fc.constantFrom("TUTORING", "INTERNSHIP", "PARTNER_REFERRAL"), fc.string()),
              description: junk,
              company: junk,
              partner: junk,
              startDate: junk,
              endDate: junk,
            },
            { requiredKeys: [] },
          ),
        ),
      }),
      fc.record({ verb: fc.constantFrom("editAction"), actionId: fc.oneof(fc.uuid(), fc.string()), input: junk }),
      fc.record({ verb: fc.constantFrom("setActionStatus"), actionId: fc.oneof(fc.uuid(), fc.string()), status: junk }),
      fc.record({ verb: fc.constantFrom("setReview"), objective: junk, nextReviewAt: junk }),
      fc.record({ verb: fc.constantFrom("close"), outcome: fc.oneof(fc.constantFrom("EMPLOYMENT", "DISMISSED", ""), junk), comment: junk }),
    );
    const call = fc.record({
      actor: fc.nat({ max: actors.length - 1 }),
      caseIndex: fc.nat({ max: caseIds.length - 1 }),
      versionShift: fc.constantFrom(0, 0, 0, 1, -1),
      what: fc.oneof(
        command.map((c) => ({ kind: "triage" as const, c })),
        planCommand.map((c) => ({ kind: "plan" as const, c })),
        fc.string({ maxLength: 700 }).map((answer) => ({ kind: "answer" as const, answer })),
        fc.constantFrom("export", "prepare", "history", "details", "view").map((k) => ({ kind: k })),
      ),
    });
    await fc.assert(
      fc.asyncProperty(call, async ({ actor: i, caseIndex, versionShift, what }) => {
        const actor = actors[i]!;
        const caseId = caseIds[caseIndex]!;
        const before = await trace(caseId);
        const v = before.version + versionShift;
        let ok: boolean;
        switch (what.kind) {
          case "triage":
            ok = (await services.triage.act(actor, caseId, v, what.c as never)).ok;
            break;
          case "plan":
            ok = (await services.plans.act(actor, caseId, v, what.c as never)).ok;
            break;
          case "answer":
            ok = (await services.triage.answerInfo(actor, caseId, what.answer)).ok;
            break;
          case "export":
            ok = (await services.privacy.exportData(actor, caseId)).ok && false;
            break;
          case "prepare":
            ok = (await services.privacy.prepare(actor, before.reference, "ERASE_PUPIL_DATA")).ok && false;
            break;
          case "history":
            ok = (await services.plans.history(actor, caseId)).ok && false;
            break;
          case "details":
            ok = (await services.triage.details(actor, caseId)).ok && false;
            break;
          default:
            ok = (await services.triage.view(actor, caseId)).ok && false;
        }
        const after = await trace(caseId);
        const { _count: c1, ...b } = before;
        const { _count: c2, ...f } = after;
        if (!ok) {
          expect(f).toEqual(b); // refused or read-only: nothing changed but audit events
        } else {
          expect(f.version).toBe(b.version + 1);
          expect(c2.events).toBe(c1.events + 1);
          expect(versionShift === 0 || what.kind === "answer").toBe(true);
          for (const a of f.plan?.actions ?? []) {
            expect(a.description.length).toBeLessThanOrEqual(200);
            expect((a.company ?? "").length).toBeLessThanOrEqual(100);
          }
          expect((f.outcome?.comment ?? "").length).toBeLessThanOrEqual(500);
        }
      }),
      { numRuns: 250 },
    );

    const draft = fc.record(
      {
        pupil: fc.record(
          {
            lastName: junk,
            firstName: junk,
            className: junk,
            schoolId: fc.oneof(fc.constant((await prisma().school.findFirstOrThrow({ where: { uai: "0690001B" } })).id), fc.string()),
            birthYear: fc.oneof(fc.integer({ min: 1990, max: 2030 }), junk),
          },
          { requiredKeys: [] },
        ),
        signals: fc.record(
          {
            signals: fc.oneof(
              fc.array(fc.record({ code: fc.oneof(fc.constantFrom("LATENESS", "NO_PLAN"), fc.string()), note: junk }, { requiredKeys: ["code"] }), {
                maxLength: 3,
              }),
              junk,
            ),
            absenceHalfDays: junk,
          },
          { requiredKeys: [] },
        ),
        steps: fc.record(
          { stepsTaken: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), junk), urgency: fc.oneof(fc.constantFrom(1, 2, 3), junk), observations: junk },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(draft, fc.nat({ max: actors.length - 1 }), async (d, i) => {
        const [cases, reports, pupils] = await Promise.all([prisma().case.count(), prisma().report.count(), prisma().pupil.count()]);
        const r = await services.reports.submit(actors[i]!, d as never, `fuzz-draft-${++n}`);
        if (!r.ok) {
          expect([await prisma().case.count(), await prisma().report.count(), await prisma().pupil.count()]).toEqual([cases, reports, pupils]);
        } else {
          const stored = await prisma().report.findFirstOrThrow({
            where: { submissionKey: `fuzz-draft-${n}` },
            include: { signals: true, case: { include: { pupil: true } } },
          });
          expect(stored.case.pupil.lastName.length).toBeLessThanOrEqual(60);
          expect((stored.observations ?? "").length).toBeLessThanOrEqual(500);
          for (const s of stored.signals) expect((s.note ?? "").length).toBeLessThanOrEqual(200);
        }
      }),
      { numRuns: 150 },
    );
    await consistent();
  });
});
