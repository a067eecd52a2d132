import { agendaDue, agendaHorizon, gpdsDateProblem, maySetGpds, recurringDates, type GpdsCommand } from "../domain/gpds.js";
import { addDays, atParis, parisDay, schoolCalendar, type SchoolCalendar } from "../domain/school-days.js";
import type { Store } from "../store/index.js";
import type { ConversationKind } from "../store/conversations.js";
import type { SchoolSummary } from "../store/schools.js";
import type { Actor } from "./members.js";

export type GpdsSchedule = {
  school: { id: string; uai: string; name: string };
  /** The next meeting days ("YYYY-MM-DD"), the earliest first. */
  meetings: string[];
  /** Where the agenda goes: the registered space's kind, or null (personal chats). */
  space: ConversationKind | "UNKNOWN" | null;
};

export type GpdsDateRefusal = { date: string; problem: "PAST" | "NO_SCHOOL" | "TOO_FAR" };

export type GpdsOutcome =
  | {
      ok: true;
      done: "shown" | "added" | "recurring" | "cancelled" | "spaceRegistered";
      schedule: GpdsSchedule;
      count: number;
      refused: GpdsDateRefusal[];
      everyWeeks?: number;
      /** Agendas already due for the new dates, queued at once rather than at the job's next run. */
      agendasQueued?: number;
    }
  | { ok: false; reason: "FORBIDDEN" | "NO_SCHOOL" | "NOT_A_SPACE" | "NOTHING_TO_ADD" }
  | { ok: false; reason: "UNKNOWN_SCHOOL"; uai: string }
  | { ok: false; reason: "WHICH_SCHOOL"; schools: { uai: string; name: string }[] };

/** How many next dates an answer shows. */
export const SHOWN_MEETINGS = 6;

/** The school's GPDS: its meeting dates and its space in Teams, set by its référent or chef
 *  d'établissement; the agenda job that posts each meeting's agenda two school days before it. */
export class GpdsService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
    private readonly calendar: SchoolCalendar = schoolCalendar(),
  ) {}

  /** A `gpds …` command typed in `where` (a personal chat, a channel or a group chat). */
  async command(actor: Actor, cmd: GpdsCommand, where: { conversationId: string; kind: ConversationKind }): Promise<GpdsOutcome> {
    if (cmd.kind === "invalid") throw new Error("an invalid GPDS command is answered by the Teams layer");
    const school = await this.schoolOf(actor, cmd.uai);
    if (!("id" in school)) return school;
    const now = this.clock();
    const done = async (
      d: "shown" | "added" | "recurring" | "cancelled" | "spaceRegistered",
      count = 0,
      refused: GpdsDateRefusal[] = [],
    ): Promise<GpdsOutcome> => ({
      ok: true,
      done: d,
      schedule: await this.schedule(school, now),
      count,
      refused,
    });
    if (cmd.kind === "show") return done("shown");
    if (!maySetGpds(actor.role)) return { ok: false, reason: "FORBIDDEN" };
    switch (cmd.kind) {
      case "registerSpace": {
        if (where.kind === "PERSONAL") return { ok: false, reason: "NOT_A_SPACE" };
        await this.store.gpds.setSpace(school.id, where.conversationId, actor.memberId, now);
        return done("spaceRegistered");
      }
      case "add": {
        const refused: GpdsDateRefusal[] = [];
        const accepted: string[] = [];
        for (const date of cmd.dates) {
          const problem = gpdsDateProblem(date, now, this.calendar);
          if (problem) refused.push({ date, problem });
          else accepted.push(date);
        }
        if (accepted.length === 0 && refused.length === 0) return { ok: false, reason: "NOTHING_TO_ADD" };
        const added = await this.store.gpds.addMeetings(school.id, accepted, actor.memberId);
        return { ...(await done("added", added, refused)), ...(await this.agendasDueAmong(accepted, now)) } as GpdsOutcome;
      }
      case "recurring": {
        const problem = gpdsDateProblem(cmd.from, now, this.calendar);
        if (problem === "PAST" || problem === "TOO_FAR") return done("recurring", 0, [{ date: cmd.from, problem }]);
        const dates = recurringDates(cmd.from, cmd.everyWeeks, this.calendar);
        return {
          ...(await done("recurring", await this.store.gpds.replaceFrom(school.id, cmd.from, dates, actor.memberId))),
          everyWeeks: cmd.everyWeeks,
          ...(await this.agendasDueAmong(dates, now)),
        } as GpdsOutcome;
      }
      case "cancel":
        return done("cancelled", await this.store.gpds.cancel(school.id, cmd.dates));
    }
  }

  /** The next GPDS dates of a school, from today. */
  async nextMeetings(schoolId: string, limit = SHOWN_MEETINGS): Promise<string[]> {
    return (await this.store.gpds.upcoming(schoolId, parisDay(this.clock()), limit)).map((m) => m.date);
  }

  /** Queues the agendas due now (two school days before each meeting), each once across instances;
   *  returns how many sends were queued. */
  async runAgendas(): Promise<number> {
    const now = this.clock();
    const today = parisDay(now);
    let queued = 0;
    for (const meeting of await this.store.gpds.agendaCandidates(today, agendaHorizon(now, this.calendar))) {
      if (!agendaDue(meeting.date, now, this.calendar)) continue;
      const sent = await this.store.gpds.claimAgenda(meeting, now, atParis(addDays(meeting.date, 1)));
      queued += sent ?? 0;
    }
    return queued;
  }

  /** A date set so close that its agenda is already due (the next school day, say) gets its agenda
   *  now: people setting it are waiting for it, not for the job's next run. */
  private async agendasDueAmong(days: string[], now: Date): Promise<{ agendasQueued?: number }> {
    if (!days.some((d) => agendaDue(d, now, this.calendar))) return {};
    return { agendasQueued: await this.runAgendas() };
  }

  private async schedule(school: SchoolSummary, now: Date): Promise<GpdsSchedule> {
    const [meetings, space] = await Promise.all([this.store.gpds.upcoming(school.id, parisDay(now), SHOWN_MEETINGS), this.store.gpds.space(school.id)]);
    return {
      school: { id: school.id, uai: school.uai, name: school.name },
      meetings: meetings.map((m) => m.date),
      space: space ? (space.kind ?? "UNKNOWN") : null,
    };
  }

  /** The school a command is about: the one named by its UAI among the caller's, or their only one. */
  private async schoolOf(
    actor: Actor,
    uai: string | null,
  ): Promise<
    | SchoolSummary
    | { ok: false; reason: "NO_SCHOOL" }
    | { ok: false; reason: "UNKNOWN_SCHOOL"; uai: string }
    | { ok: false; reason: "WHICH_SCHOOL"; schools: { uai: string; name: string }[] }
  > {
    const schools = await this.store.schools.byIds(actor.schoolIds);
    if (schools.length === 0) return { ok: false, reason: "NO_SCHOOL" };
    if (uai !== null) return schools.find((s) => s.uai === uai) ?? { ok: false, reason: "UNKNOWN_SCHOOL", uai };
    if (schools.length === 1) return schools[0]!;
    return { ok: false, reason: "WHICH_SCHOOL", schools: schools.map((s) => ({ uai: s.uai, name: s.name })) };
  }
}
