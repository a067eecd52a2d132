import type { Config } from "./config.js";
import { DEMO_PEOPLE } from "./store/demo-seed.js";
import type { Role } from "./domain/roles.js";

const ROLE_WORDS: Partial<Record<Role, string>> = {
  STAFF: "teacher",
  REFERENT: "référent décrochage",
  COORDINATOR: "MLDS coordinator",
  ADMIN: "académie admin",
};

/**
 * The line a person starting the bot reads once it is up: where it listens, how to try it, who the
 * demo people are, and that nothing checks who sends requests in local mode.
 */
export function readyMessage(config: Pick<Config, "bot" | "database" | "host">, port: number, demo: boolean): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  const database = config.database.kind === "embedded" ? `embedded database in ${config.database.dataDir}` : "PostgreSQL";
  const lines = [`Repère is ready at http://${host}:${port}/api/messages (${database}).`];
  if (demo) {
    const people = DEMO_PEOPLE.map((p) => `${p.displayName} (${ROLE_WORDS[p.role] ?? p.role.toLowerCase()})`).join(", ");
    const playgroundPort = port === 3978 ? "" : `PORT=${port} `;
    lines.push(
      `Try it: ${playgroundPort}npm run playground, then open http://localhost:56150/ as Claire Martin; ${playgroundPort}npm run playground:coordinator for Sophie Laurent.`,
      `Demo people: ${people}.`,
    );
  }
  if (!config.bot.appId) lines.push("Local mode: requests are not authenticated (no MicrosoftAppId). Anyone who reaches this port can act as any member.");
  return lines.join("\n");
}
