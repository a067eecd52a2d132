import type { Store, StoredConversation, StoreItem } from "../store/index.js";
import { actorOf, type Actor } from "./members.js";

/** A conversation reference is written again when it changed, or at least this often (so that
 *  `updatedAt` says the conversation is in use). */
const REWRITE_AFTER_MS = 3_600_000;
const REMEMBERED_MAX = 10_000;

/** Remembers where the bot can reach people and teams later (routing, notifications), and opens
 *  each turn with what it needs from the database. */
export class ConversationService {
  /** Conversation references this instance wrote lately, by conversation id: the same reference
   *  arrives with every message, and writing it each time was a statement per turn. */
  private readonly written = new Map<string, { json: string; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async remember(conversation: StoredConversation): Promise<void> {
    const json = JSON.stringify(conversation);
    const at = this.now();
    const last = this.written.get(conversation.conversationId);
    if (last && last.json === json && at - last.at < REWRITE_AFTER_MS) return;
    await this.store.conversations.upsert(conversation);
    this.written.delete(conversation.conversationId);
    if (this.written.size >= REMEMBERED_MAX) this.written.delete(this.written.keys().next().value!);
    this.written.set(conversation.conversationId, { json, at });
  }

  /** The language the conversation's reference holds (the last activity that gave one). */
  async storedLocale(conversationId: string): Promise<string | undefined> {
    const locale = (await this.store.conversations.get(conversationId))?.reference.locale;
    return typeof locale === "string" ? locale : undefined;
  }

  /** The start of a message: who is talking and the conversation's dialog state (`stateKey`), in
   *  one statement. */
  async beginMessage(
    tenantId: string | undefined,
    aadObjectId: string | undefined,
    stateKey: string,
  ): Promise<{ actor: Actor | null; state: StoreItem | null }> {
    const start = await this.store.turnStart.message(tenantId ?? null, aadObjectId ?? null, stateKey);
    return { actor: start.member ? actorOf(start.member) : null, state: start.state };
  }

  /** The start of a card action: who is clicking, and false in `firstDelivery` when this activity
   *  id was already handled (a retried delivery). */
  async beginInvoke(
    tenantId: string | undefined,
    aadObjectId: string | undefined,
    activityId: string | undefined,
  ): Promise<{ actor: Actor | null; firstDelivery: boolean }> {
    const start = await this.store.turnStart.invoke(tenantId ?? null, aadObjectId ?? null, activityId ? `invoke:${activityId}` : null);
    return { actor: start.member ? actorOf(start.member) : null, firstDelivery: start.firstDelivery };
  }

  /** Marks a card action handled, once it is done (its change committed, or refused): a later
   *  delivery of the same activity id only shows the current state. */
  async finishInvoke(activityId: string | undefined): Promise<void> {
    if (activityId) await this.store.processedActivities.markHandled(`invoke:${activityId}`);
  }

  /** Forgets handled activity ids older than a day (retries come within minutes). */
  forgetOldDeliveries(now: Date): Promise<number> {
    return this.store.processedActivities.forgetOlderThan(new Date(now.getTime() - 86_400_000));
  }
}
