import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CHANNELS, DEMO_TENANT_ID } from "../../src/store/demo-seed.js";
import type { Actor } from "../../src/services/index.js";
import { cardText, installInTeam, invokeActivity, person, startTestBot, type TestBot } from "../helpers/bot-harness.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

// Teams delivers a card action again, with the same activity id, when it got no answer: here the
// instance that received it first lost its action on the way to the database (as when it dies),
// and the retry reaches the other instance.

const claire = person("Claire Martin");
const sophie = person("Sophie Laurent");
const NORD = DEMO_CHANNELS[0].channelId;
const inNord = { conversationId: NORD, type: "channel" as const, teamId: DEMO_CHANNELS[0].teamId };

describe("a card action retried on another instance after the first one lost it", () => {
  let proxy: TcpProxy;
  let a: TestBot;
  let b: TestBot;
  beforeAll(async () => {
    proxy = await new TcpProxy().start();
    a = await startTestBot({ databaseUrl: `${proxy.url}/test` });
    b = await startTestBot({ schema: a.schema, env: { SEED_DEMO: "never" } });
    await installInTeam(a, sophie);
  });
  afterAll(async () => {
    await b?.stop({ keepSchema: true });
    await a?.stop();
    await proxy?.stop();
  });

  it("is applied once, by the retry", async () => {
    const claireActor = (await a.app.services.members.identify(DEMO_TENANT_ID, claire.aadObjectId)) as Actor;
    const [school] = await a.app.services.reports.reportingSchools(claireActor);
    const outcome = await a.app.services.reports.submit(
      claireActor,
      {
        pupil: { lastName: "Relance", firstName: "Léa", className: "1re 4", schoolId: school!.id, birthYear: new Date().getFullYear() - 17 },
        signals: { signals: [{ code: "LATENESS" }] },
        // Vigilance 3: the bassin's default setting lets the coordinator act before the GPDS decides.
        steps: { stepsTaken: [], urgency: 3 },
      },
      "retry-after-loss",
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    const caseId = outcome.recorded.caseId;
    const prisma = b.app.store.db.prisma;
    const { version } = await prisma.case.findUniqueOrThrow({ where: { id: caseId } });
    const activity = invokeActivity(a.connector.url, sophie, inNord, "case.takeCharge", { caseId, version });

    // Instance A starts the action; the statement that applies it never reaches the database.
    const held = proxy.holdWhen("case_apply");
    const lost = a.post(activity);
    await held.seen;
    proxy.resetHeld();
    await lost;
    expect(await prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: "NEW", version });

    // Teams tries again; the load balancer sends it to instance B.
    const retried = (await (await b.post(activity)).json()) as { value: unknown };
    expect(cardText(retried.value)).toContain("Dossier pris en charge par Sophie Laurent.");
    expect(await prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: "ACKNOWLEDGED", version: version + 1 });

    // And a third delivery, to either instance, changes nothing more.
    const third = (await (await a.post(activity)).json()) as { value: unknown };
    expect(cardText(third.value)).toContain("Pris en charge");
    expect(cardText(third.value)).not.toContain("changé entre-temps");
    expect(await prisma.caseEvent.count({ where: { caseId, type: "TAKEN_IN_CHARGE" } })).toBe(1);
  });
});
