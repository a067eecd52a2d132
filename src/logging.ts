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
      serializers: { err: safeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Errors are logged by kind and place, never with the values they carry: a database error's
 * message, detail or metadata can quote a row (a pupil's name, a note). Kept: name, code, HTTP
 * status, the first line of the message with quoted values masked, the stack frames, the cause.
 */
export function safeError(err: unknown, depth = 0): Record<string, unknown> {
  if (typeof err !== "object" || err === null) return { message: typeof err === "string" ? maskQuoted(firstLine(err)) : typeof err };
  const e = err as { name?: unknown; code?: unknown; statusCode?: unknown; status?: unknown; message?: unknown; stack?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { type: err.constructor?.name ?? "Object" };
  if (typeof e.name === "string") out.name = e.name;
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  const status = typeof e.statusCode === "number" ? e.statusCode : typeof e.status === "number" ? e.status : undefined;
  if (status !== undefined) out.status = status;
  if (typeof e.message === "string") out.message = maskQuoted(firstLine(e.message));
  if (typeof e.stack === "string")
    out.stack = e.stack
      .split("\n")
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 15)
      .join("\n");
  if (e.cause !== undefined && depth < 3) out.cause = safeError(e.cause, depth + 1);
  return out;
}

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim() !== "") ?? "").slice(0, 300);
}

/** "…" in place of quoted and parenthesised values ("x", 'x', «x», (x), as in PostgreSQL's
 *  "Key (nameKey)=(dupont lea)"). */
function maskQuoted(s: string): string {
  return s.replace(/"[^"]*"|'[^']*'|«[^»]*»|“[^”]*”|\([^()]+\)/g, (m) => `${m[0]}…${m.at(-1)}`);
}

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/**
 * Log lines for a person at a terminal: the time, the level when it is not info, the message, then
 * the fields as key=value. The JSON lines stay the format for log collectors (not a terminal, or
 * LOG_FORMAT=json); redaction happened before either.
 */
export function textDestination(out: { write(chunk: string): unknown } = process.stdout): pino.DestinationStream {
  return { write: (line: string) => void out.write(formatLogLine(line)) };
}

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, app: _app, ...fields } = record;
  const levelName = LEVEL_NAMES[level as number] ?? String(level);
  const clock = typeof time === "string" ? time.slice(11, 19) : "";
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${clock} ${levelName === "info" ? "" : `${levelName.toUpperCase()} `}${String(msg ?? "")}${extra ? `  (${extra})` : ""}\n`;
}

export type { Logger };
