import { describe, expect, it } from "vitest";
import type { Activity } from "botbuilder";
import { ConversationService } from "../../src/services/conversations.js";
import { conversationOf } from "../../src/teams/platform/activity-info.js";
import type { Store, StoredConversation } from "../../src/store/index.js";

function fakeStore() {
  const written: StoredConversation[] = [];
  const store = { conversations: { upsert: async (c: StoredConversation) => void written.push(c) } } as unknown as Store;
  return { store, written };
}

const chat = (serviceUrl = "https://smba.trafficmanager.net/emea/"): StoredConversation => ({
  conversationId: "a:1",
  kind: "PERSONAL",
  tenantId: "t",
  aadObjectId: "u",
  teamId: null,
  channelId: null,
  serviceUrl,
  reference: { serviceUrl, locale: "fr-FR" },
});

describe("conversation references", () => {
  it("are written when new or changed, and again after an hour, not on every message", async () => {
    let now = 0;
    const { store, written } = fakeStore();
    const service = new ConversationService(store, () => now);
    await service.remember(chat());
    await service.remember(chat());
    expect(written).toHaveLength(1);
    // Teams moved the conversation to another service URL: the bot must reach it there.
    await service.remember(chat("https://smba.trafficmanager.net/fr/"));
    expect(written.at(-1)!.serviceUrl).toBe("https://smba.trafficmanager.net/fr/");
    now += 59 * 60_000;
    await service.remember(chat("https://smba.trafficmanager.net/fr/"));
    expect(written).toHaveLength(2);
    now += 2 * 60_000;
    await service.remember(chat("https://smba.trafficmanager.net/fr/"));
    expect(written).toHaveLength(3);
  });

  it("are written again when the write failed", async () => {
    let fail = true;
    let writes = 0;
    const store = {
      conversations: {
        upsert: async () => {
          writes++;
          if (fail) throw new Error("database down");
        },
      },
    } as unknown as Store;
    const service = new ConversationService(store, () => 0);
    await expect(service.remember(chat())).rejects.toThrow("database down");
    fail = false;
    await service.remember(chat());
    expect(writes).toBe(2);
  });

  it("taken from two messages of one chat, are the same reference, written once", async () => {
    const message = (id: string) =>
      ({
        type: "message",
        id,
        text: "aide",
        serviceUrl: "https://smba.trafficmanager.net/emea/",
        channelId: "msteams",
        from: { id: "29:user", aadObjectId: "u" },
        recipient: { id: "28:bot" },
        conversation: { id: "a:1", conversationType: "personal", tenantId: "t" },
        channelData: { tenant: { id: "t" } },
        locale: "fr-FR",
      }) as unknown as Activity;
    const first = conversationOf(message("1700000000001"))!;
    expect(first.reference).not.toHaveProperty("activityId");
    const { store, written } = fakeStore();
    const service = new ConversationService(store, () => 0);
    await service.remember(first);
    await service.remember(conversationOf(message("1700000000002"))!);
    expect(written).toHaveLength(1);
  });
});
