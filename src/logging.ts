import pino, { type Logger } from "pino";

/** Structured logs. Pupil data never reaches a log line: names, birth dates, notes, observations
 *  and raw message text are redacted wherever they appear (two levels deep), and activities are
 *  logged by id and type only. */
export const REDACTED_KEYS = [
  "lastName",
  "firstName",
  "pupilName",
  "fullName",
  "birthDate",
  "birthYear",
  "note",
  "notes",
  "observations",
  "comment",
  "text",
  "value",
  "password",
  "appPassword",
  "authorization",
];

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: "repere" },
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
