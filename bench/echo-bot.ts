// The baseline of `npm run bench`: the smallest bot on Repère's stack (botbuilder CloudAdapter +
// restify, no authentication, the same body parser), replying once per message. No database.
import restify from "restify";
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from "botbuilder";

const port = Number(process.env.PORT ?? 3979);
const adapter = new CloudAdapter(
  new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: "", MicrosoftAppPassword: "", MicrosoftAppType: "MultiTenant", MicrosoftAppTenantId: "" }),
);
adapter.onTurnError = async (ctx: TurnContext, err: unknown) => {
  console.error("echo turn failed", err);
};

const server = restify.createServer({ name: "echo", handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
server.post("/api/messages", async (req, res) => {
  await adapter.process(req, res, async (ctx) => {
    if (ctx.activity.type === "message") await ctx.sendActivity(`echo: ${ctx.activity.text ?? ""}`);
  });
});
server.get("/healthz", async (_req, res) => {
  res.send(200, { status: "ok" });
});
server.listen(port, "127.0.0.1", () => {
  if (process.env.LOG_LEVEL !== "silent") console.log(`echo bot on ${port}`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
