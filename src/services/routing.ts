import { ageOn, routeCase, type ChannelTarget } from "../domain/routing.js";
import type { Store, OutgoingMessage } from "../store/index.js";

/** Turns the domain's routing rules into sends: the triage card posted as a new thread in the
 *  coordinators' channel, and the card in the personal chat of each référent. */
export class RoutingService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
  ) {}

  async sendsFor(input: RoutingInput): Promise<(caseId: string) => OutgoingMessage[]> {
    const conversationIds = await this.recipientsFor(input);
    return (caseId) =>
      conversationIds.map((conversationId) => ({
        conversationId,
        kind: "post" as const,
        render: { view: "caseCard" as const, caseId },
        dedupeKey: `case-card:${caseId}:${conversationId}`,
      }));
  }

  /** The conversations a case of this school and this young person goes to. */
  async recipientsFor(input: RoutingInput): Promise<string[]> {
    const [referents, districtChannel, fallbackChannel] = await Promise.all([
      this.store.members.referentsOf(input.schoolId),
      this.store.routingChannels.ofDistrict(input.districtId),
      this.store.routingChannels.fallback(),
    ]);
    const route = routeCase({
      schoolId: input.schoolId,
      districtId: input.districtId,
      pupilAge: ageOn(input.birthYear, input.birthDate, this.clock()),
      escalatedToMlds: input.escalatedToMlds,
      referentIds: referents.map((r) => r.id),
      districtChannel: districtChannel && pick(districtChannel),
      fallbackChannel: fallbackChannel && pick(fallbackChannel),
    });
    const personalChats = input.onlyMlds
      ? []
      : await Promise.all(referents.filter((r) => route.notifyMemberIds.includes(r.id)).map((r) => this.store.conversations.personalChatOf(r.aadObjectId)));
    // A channel's conversation id is the channel id; a person is reached in their personal chat,
    // when they have one with the bot (Teams gives none before the bot is installed for them).
    return [...route.channels.map((c) => c.channelId), ...personalChats.flatMap((c) => (c ? [c.conversationId] : []))];
  }
}

type RoutingInput = { schoolId: string; districtId: string; birthYear: number; birthDate: Date | null; escalatedToMlds: boolean; onlyMlds?: boolean };

function pick(c: ChannelTarget): ChannelTarget {
  return { teamId: c.teamId, channelId: c.channelId };
}
