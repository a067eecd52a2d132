import { parisCalendarDate } from "./school-year.js";

// Who hears about a case. Under 16, décrochage is the school's business (its GPDS); from 16 the
// MLDS takes over, so the district's coordinators are told too.

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
  const notifyMemberIds = [...new Set(input.referentIds)];
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
