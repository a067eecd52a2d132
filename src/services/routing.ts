import { routeCase, type ChannelTarget } from "../domain/routing.js";
import type { Store, OutgoingMessage } from "../store/index.js";

/** Turns the domain's routing rules into sends: the card in the personal chat of each référent and
 *  chef d'établissement of the school (its GPDS), and, when the MLDS is concerned, the card posted
 *  as a new thread in the coordinators' channel. */
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
    const [referents, heads, districtChannel, fallbackChannel] = await Promise.all([
      this.store.members.referentsOf(input.schoolId),
      this.store.members.headsOf(input.schoolId),
      this.store.routingChannels.ofDistrict(input.districtId),
      this.store.routingChannels.fallback(),
    ]);
    const route = routeCase({
      schoolId: input.schoolId,
      districtId: input.districtId,
      pupilAge: input.ageAtReport,
      escalatedToMlds: input.escalatedToMlds,
      referentIds: referents.map((r) => r.id),
      headIds: heads.map((h) => h.id),
      districtChannel: districtChannel && pick(districtChannel),
      fallbackChannel: fallbackChannel && pick(fallbackChannel),
    });
    const personalChats = input.onlyMlds
      ? []
      : await Promise.all(
          [...referents, ...heads.filter((h) => !referents.some((r) => r.id === h.id))]
            .filter((r) => route.notifyMemberIds.includes(r.id))
            .map((r) => this.store.conversations.personalChatOf(r.aadObjectId)),
        );
    // A channel's conversation id is the channel id; a person is reached in their personal chat,
    // when they have one with the bot (Teams gives none before the bot is installed for them).
    return [...route.channels.map((c) => c.channelId), ...personalChats.flatMap((c) => (c ? [c.conversationId] : []))];
  }
}

/** `ageAtReport`: the pupil's age at the report date (domain: routing.ageAtReport); null: unknown. */
type RoutingInput = { schoolId: string; districtId: string; ageAtReport: number | null; escalatedToMlds: boolean; onlyMlds?: boolean };

function pick(c: ChannelTarget): ChannelTarget {
  return { teamId: c.teamId, channelId: c.channelId };
}
