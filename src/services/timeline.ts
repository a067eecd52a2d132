import { visibilityOf } from "../domain/case-queries.js";
import { can } from "../domain/permissions.js";
import type { Store } from "../store/index.js";
import { caseScopeOfRow } from "./case-scope.js";
import type { Actor } from "./members.js";

/** An event of a case's chronology; `reference` names the young person's other case it belongs to. */
export type TimelineEvent = { type: string; at: Date; actorName: string | null; data: Record<string, unknown>; reference?: string };

/** At most this many other cases of the same young person in one timeline. */
const LINKED_CASES_LIMIT = 5;

/**
 * One young person, one timeline: the events of their other cases (another school, an earlier
 * school year, a campaign list; store: sameYoungPerson) that the caller may read, each with its
 * reference, for a caller who may read this case's details (the link itself says who the young
 * person is). Reading them is a consultation of each of those cases: audited there.
 */
export async function linkedEvents(store: Store, actor: Actor, caseId: string, now: Date, limit: number): Promise<TimelineEvent[]> {
  const visibility = visibilityOf(actor, "VIEW_HISTORY", now);
  if (!visibility) return [];
  const found = await store.caseQueries.sameYoungPerson({ visibility, onlyMldsCases: false }, caseId, LINKED_CASES_LIMIT);
  const out: TimelineEvent[] = [];
  for (const row of found.rows) {
    const scope = caseScopeOfRow(row);
    if (row.pupil.anonymized || !can(actor, "VIEW_DETAILS", scope) || !can(actor, "VIEW_HISTORY", scope)) continue;
    const events = await store.plans.events(row.id, limit);
    await store.caseChanges.record(row.id, { type: "HISTORY_VIEWED", actorId: actor.memberId });
    out.push(...events.map((e) => ({ ...e, reference: row.reference })));
  }
  return out;
}

/** A case's events and its linked ones, newest first. */
export function oneTimeline(events: readonly TimelineEvent[], linked: readonly TimelineEvent[]): TimelineEvent[] {
  return linked.length === 0 ? [...events] : [...events, ...linked].sort((a, b) => b.at.getTime() - a.at.getTime());
}
