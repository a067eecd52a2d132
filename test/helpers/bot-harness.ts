import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.js";
import { startApp, type App } from "../../src/app.js";
import type { Logger } from "../../src/logging.js";
import { DEMO_CHANNELS, DEMO_PEOPLE } from "../../src/store/demo-seed.js";
import { channelInstallActivity, invokeActivity, personalMessage } from "./activities.js";
import { FakeConnector } from "./fake-connector.js";
import { POSTGRES_URL, dropSchema, uniqueSchemaName, type TestDatabaseKind } from "./database.js";

export { BOT, invokeActivity, personalMessage } from "./activities.js";
export { cardText } from "./cards.js";

export type Person = (typeof DEMO_PEOPLE)[number];
export function person(displayName: string): Person {
  const p = DEMO_PEOPLE.find((x) => x.displayName === displayName);
  if (!p) throw new Error(`no demo person ${displayName}`);
  return p;
}

export type TestBot = {
  app: App;
  connector: FakeConnector;
  schema: string;
  url: string;
  post(activity: Record<string, unknown>): Promise<Response>;
  /** Sends a personal-chat message as `who` and returns what the bot sent back during that turn. */
  say(who: Person, text: string, extra?: { locale?: string }): Promise<{ cards: any[]; texts: string[] }>;
  submit(who: Person, value: unknown): Promise<{ cards: any[]; texts: string[] }>;
  stop(opts?: { keepSchema?: boolean }): Promise<void>;
};

/** The whole bot (HTTP server, services, PostgreSQL in a schema of its own) with a fake connector. */
export async function startTestBot(
  opts: {
    schema?: string;
    env?: Record<string, string>;
    connector?: FakeConnector;
    outboxDelivery?: "auto" | "manual";
    clock?: () => Date;
    databaseUrl?: string;
    logger?: Logger;
    database?: TestDatabaseKind;
  } = {},
): Promise<TestBot> {
  const connector = opts.connector ?? (await new FakeConnector().start());
  const schema = opts.schema ?? uniqueSchemaName();
  // The embedded database in a directory of its own (what `npm start` runs by default).
  const dataDir = opts.database === "embedded" ? mkdtempSync(path.join(tmpdir(), "repere-bot-")) : null;
  const database = dataDir ? { DATABASE_URL: "", DATA_DIR: dataDir } : { DATABASE_URL: opts.databaseUrl ?? POSTGRES_URL };
  const config = loadConfig({ PORT: "0", ...database, SEED_DEMO: "always", LOG_LEVEL: "silent", ...opts.env });
  // Tests deliver the outbox themselves (app.outbox.drainOnce()) so that they see each step.
  const app = await startApp(config, {
    schema: dataDir ? undefined : schema,
    outboxDelivery: opts.outboxDelivery ?? "manual",
    clock: opts.clock,
    logger: opts.logger,
  });
  const url = `http://127.0.0.1:${app.port}`;
  const post = (activity: Record<string, unknown>) =>
    fetch(`${url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity) });
  const turn = async (activity: Record<string, unknown>) => {
    const before = connector.sent.length;
    const res = await post(activity);
    if (res.status >= 300) throw new Error(`bot answered HTTP ${res.status}: ${await res.text()}`);
    const sent = connector.sent.slice(before);
    const cards = sent.flatMap((a) =>
      (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content),
    );
    const texts = sent.map((a) => a.body.text).filter((t): t is string => typeof t === "string");
    return { cards, texts };
  };
  return {
    app,
    connector,
    schema,
    url,
    post,
    say: (who, text, extra) => turn(personalMessage(connector.url, who, { text, ...extra })),
    submit: (who, value) => turn(personalMessage(connector.url, who, { value })),
    async stop({ keepSchema = false } = {}) {
      await app.stop();
      if (!opts.connector) await connector.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      else if (!keepSchema) await dropSchema(schema);
    },
  };
}

/** Presses an Action.Execute button: returns the card Teams would show in its place. */
export async function execute(bot: TestBot, ...args: Parameters<typeof invokeActivity> extends [string, ...infer R] ? R : never): Promise<any> {
  const res = await bot.post(invokeActivity(bot.connector.url, ...args));
  if (res.status !== 200) throw new Error(`invoke answered HTTP ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { statusCode: number; type: string; value: any };
  if (body.statusCode !== 200 || body.type !== "application/vnd.microsoft.card.adaptive") throw new Error(`unexpected invoke response ${JSON.stringify(body)}`);
  return body.value;
}

/** The bot is added to a team (by default the coordinators' team of Bassin Nord): Teams sends a
 *  conversationUpdate in the team's General channel, and the bot remembers that channel. */
export async function installInTeam(bot: TestBot, by: Person, channel: { teamId: string; channelId: string } = DEMO_CHANNELS[0]): Promise<void> {
  await bot.post(channelInstallActivity(bot.connector.url, by, channel));
}
