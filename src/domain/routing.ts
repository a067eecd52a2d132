import { parisCalendarDate, schoolYearOf } from "./school-year.js";

// Who hears about a case. Every report goes first to the school's GPDS: its référents and its chef
// d'établissement are told in their personal chat, its other members see the school's cases. From
// 16 at the report date the MLDS is concerned as well, so the bassin's coordinators are told at once;
// under 16 they hear of it only when the GPDS refers the pupil to the MLDS.

/** Age from which a pupil falls within the MLDS's remit. */
export const MLDS_MIN_AGE = 16;

export interface ChannelTarget {
  teamId: string;
  channelId: string;
}

export interface RoutingInput {
  schoolId: string;
  districtId: string;
  pupilAge: number | null;
  escalatedToMlds: boolean;
  referentIds: string[];
  /** The school's chefs d'établissement (and adjoints), who chair its GPDS. */
  headIds?: string[];
  districtChannel: ChannelTarget | null;
  fallbackChannel: ChannelTarget | null;
}

export interface Routing {
  notifyMemberIds: string[];
  channels: ChannelTarget[];
}

/**
 * Whether the MLDS must see the case. An unknown age counts as 16 or over: missing the MLDS on a
 * pupil who is old enough would leave them without support, which is the worse mistake.
 */
export function concernsMlds(pupilAge: number | null, escalatedToMlds: boolean): boolean {
  return escalatedToMlds || pupilAge === null || pupilAge >= MLDS_MIN_AGE;
}

export function routeCase(input: RoutingInput): Routing {
  const notifyMemberIds = [...new Set([...input.referentIds, ...(input.headIds ?? [])])];
  const mldsChannel = concernsMlds(input.pupilAge, input.escalatedToMlds) ? (input.districtChannel ?? input.fallbackChannel) : null;
  // A case nobody hears about is lost: with no référent and no channel, the académie's fallback gets it.
  const channel = mldsChannel ?? (notifyMemberIds.length === 0 ? input.fallbackChannel : null);
  return { notifyMemberIds, channels: channel ? [channel] : [] };
}

/**
 * Age of a pupil on a date. With the birth date, the exact age (a birth date is a calendar date,
 * stored at UTC midnight, while `on` is an instant read on Paris clocks). With only the birth year,
 * the age reached during the calendar year (on's year minus birth year): the Éducation nationale
 * counts ages that way ("âge atteint dans l'année"), and it errs toward involving the MLDS.
 */
export function ageOn(birthYear: number, birthDate: Date | null, on: Date): number {
  const today = parisCalendarDate(on);
  if (birthDate === null || Number.isNaN(birthDate.getTime())) {
    return today.year - birthYear;
  }
  const birthMonth = birthDate.getUTCMonth() + 1;
  const years = today.year - birthDate.getUTCFullYear();
  const birthdayPassed = today.month > birthMonth || (today.month === birthMonth && today.day >= birthDate.getUTCDate());
  return birthdayPassed ? years : years - 1;
}

/**
 * The age that decides whether the MLDS is concerned by a case: the pupil's age on the day of the
 * report, from the birth date (or, when only the year is known, as ageOn counts it). It is kept with
 * the case (Case.ageAtReport): a birthday, or 1 January, never moves a case to the MLDS by itself;
 * only a referral by the school's GPDS does.
 */
export function ageAtReport(birthYear: number, birthDate: Date | null, reportedAt: Date): number {
  return ageOn(birthYear, birthDate, reportedAt);
}

export type ReferralCheck = { ok: true } | { ok: false; reason: "TOO_YOUNG" | "BIRTH_DATE_NEEDED" };

/**
 * Whether the school's GPDS may refer a pupil to the MLDS on a date: the pupil is 16 or over that
 * day, or turns 16 before the end of the school year (31 August). With only the birth year known,
 * the latest birthday of that year (31 December) is assumed; a pupil who might still be eligible is
 * then refused with BIRTH_DATE_NEEDED, so that the référent completes the birth date.
 */
export function mayReferToMlds(birthYear: number, birthDate: Date | null, on: Date): ReferralCheck {
  const known = birthDate !== null && !Number.isNaN(birthDate.getTime());
  const latest = known ? birthDate : new Date(Date.UTC(birthYear, 11, 31));
  if (ageOn(latest.getUTCFullYear(), latest, on) >= MLDS_MIN_AGE) return { ok: true };
  const end = schoolYearOf(on).end;
  const sixteenth = new Date(Date.UTC(latest.getUTCFullYear() + MLDS_MIN_AGE, latest.getUTCMonth(), latest.getUTCDate()));
  if (sixteenth.getTime() <= Date.UTC(end, 7, 31)) return { ok: true };
  // The earliest birthday of the year might have been soon enough.
  if (!known && birthYear + MLDS_MIN_AGE <= end) return { ok: false, reason: "BIRTH_DATE_NEEDED" };
  return { ok: false, reason: "TOO_YOUNG" };
}
