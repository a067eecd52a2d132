import type { Store, StoredConversation } from "../store/index.js";

/** Remembers where the bot can reach people and teams later (routing, notifications). */
export class ConversationService {
  constructor(private readonly store: Store) {}

  async remember(conversation: StoredConversation): Promise<void> {
    await this.store.conversations.upsert(conversation);
  }

  /** False when this activity was already handled (a retried delivery). */
  firstDelivery(activityId: string): Promise<boolean> {
    return this.store.processedActivities.firstTime(activityId);
  }

  /** Forgets handled activity ids older than a day (retries come within minutes). */
  forgetOldDeliveries(now: Date): Promise<number> {
    return this.store.processedActivities.forgetOlderThan(new Date(now.getTime() - 86_400_000));
  }
}
