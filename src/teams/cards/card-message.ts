import { CardFactory, MessageFactory, type Activity } from "botbuilder";
import type { AdaptiveCardJson } from "./card-renderer.js";

export function cardMessage(card: AdaptiveCardJson): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}
