import type { TurnContext } from "botbuilder";
import { ConnectorFactory, type ConnectorClient, type UserTokenClient } from "botframework-connector";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging.js";
import { ClientCache, createAdapter } from "../../src/teams/platform/adapter.js";

/** botbuilder would build these clients again for every turn; Repère keeps them. */

class CountingFactory extends ConnectorFactory {
  readonly made: string[] = [];
  failNext = false;
  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    this.made.push(`${serviceUrl} ${audience ?? ""}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error("token endpoint unreachable");
    }
    return { serviceUrl, audience } as unknown as ConnectorClient;
  }
}

describe("the Bot Framework clients kept between turns", () => {
  it("gives every turn of an app and service URL the same connector client", async () => {
    const cache = new ClientCache();
    const inner = new CountingFactory();
    const first = await cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/emea/", "aud");
    const second = await cache.connectorFactory(new CountingFactory(), "app-1")!.create("https://smba.trafficmanager.net/emea/", "aud");
    expect(second).toBe(first);
    expect(inner.made).toHaveLength(1);
  });

  it("builds a client of its own for another service URL, audience or app", async () => {
    const cache = new ClientCache();
    const inner = new CountingFactory();
    const emea = await cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/emea/", "aud");
    const amer = await cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/amer/", "aud");
    const otherAudience = await cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/emea/", "other");
    const otherApp = await cache.connectorFactory(inner, "app-2")!.create("https://smba.trafficmanager.net/emea/", "aud");
    expect(new Set([emea, amer, otherAudience, otherApp]).size).toBe(4);
    expect(inner.made).toHaveLength(4);
  });

  it("builds again a client that could not be built", async () => {
    const cache = new ClientCache();
    const inner = new CountingFactory();
    inner.failNext = true;
    await expect(cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/emea/")).rejects.toThrow("unreachable");
    await new Promise((resolve) => setImmediate(resolve));
    const client = await cache.connectorFactory(inner, "app-1")!.create("https://smba.trafficmanager.net/emea/");
    expect(client).toMatchObject({ serviceUrl: "https://smba.trafficmanager.net/emea/" });
    expect(inner.made).toHaveLength(2);
  });

  it("keeps one user token client per app", async () => {
    const cache = new ClientCache();
    let built = 0;
    const create = async () => ({ n: ++built }) as unknown as UserTokenClient;
    const a = await cache.userTokenClient("app-1", create);
    expect(await cache.userTokenClient("app-1", create)).toBe(a);
    expect(await cache.userTokenClient("app-2", create)).not.toBe(a);
    expect(built).toBe(2);
  });
});

describe("the adapter", () => {
  /** One turn through CloudAdapter.process, as restify hands it over; returns the turn's connector client. */
  async function clientOfTurn(adapter: ReturnType<typeof createAdapter>, serviceUrl: string, n: number): Promise<unknown> {
    let client: unknown;
    const activity = {
      type: "message",
      id: `m${n}`,
      serviceUrl,
      channelId: "msteams",
      from: { id: "29:u" },
      recipient: { id: "28:bot" },
      conversation: { id: "a:chat" },
      text: "aide",
    };
    const res = { status: () => res, send: () => res, end: () => res, header: () => res };
    await adapter.process({ body: activity, headers: {}, method: "POST" } as never, res as never, async (ctx: TurnContext) => {
      client = ctx.turnState.get(ctx.adapter.ConnectorClientKey);
    });
    return client;
  }

  it("answers every turn from a service URL with the connector client of the first", async () => {
    const adapter = createAdapter({ bot: { appType: "MultiTenant" }, defaultLocale: "fr" }, createLogger("silent"));
    const first = await clientOfTurn(adapter, "https://smba.trafficmanager.net/emea/", 1);
    expect(first).toBeDefined();
    expect(await clientOfTurn(adapter, "https://smba.trafficmanager.net/emea/", 2)).toBe(first);
    expect(await clientOfTurn(adapter, "https://smba.trafficmanager.net/amer/", 3)).not.toBe(first);
  });
});
