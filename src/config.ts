import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";
import { parseHolidays, type DateRange } from "./domain/weekly-digest.js";
import { parseHostPatterns, TEAMS_FILE_HOSTS } from "./domain/download-hosts.js";
import { DEFAULT_IDLE_CASE_MONTHS } from "./domain/idle-cases.js";

/** The only module that reads the environment. Everything else receives a Config. */

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());

/** A whole number of seconds within [min, max]. */
function seconds(min: number, max: number, fallback: number) {
  const message = `must be a number of seconds (${min}-${max})`;
  return z.preprocess(emptyToUndefined, z.coerce.number({ error: message }).int(message).min(min, message).max(max, message).default(fallback));
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const flag = () =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false"], { error: `must be true or false` })
      .default("false")
      .transform((v) => v === "true"),
  );

/** Interfaces only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const EnvSchema = z.object({
  PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a port number (0-65535)" })
      .int("must be a port number (0-65535)")
      .min(0, "must be a port number (0-65535)")
      .max(65535, "must be a port number (0-65535)")
      .default(3978),
  ),
  HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), {
        message: "must be a PostgreSQL URL (postgresql://user@host:5432/database); leave it empty for the embedded database",
      })
      .refine((v) => !/[?&]schema=/.test(v) || /[?&]schema=[a-z_][a-z0-9_]{0,62}(&|$)/.test(v), {
        message: "has a schema parameter that is not a plain lower-case PostgreSQL name",
      })
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./data")),
  MicrosoftAppId: z.preprocess(emptyToUndefined, z.string().regex(guid, "must be the bot's Microsoft app id (a GUID), or empty for local mode").optional()),
  MicrosoftAppPassword: optionalString,
  MicrosoftAppTenantId: z.preprocess(emptyToUndefined, z.string().regex(guid, "must be a tenant id (a GUID)").optional()),
  MicrosoftAppType: z.preprocess(
    emptyToUndefined,
    z
      .enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"], {
        error: "must be MultiTenant, SingleTenant or UserAssignedMSI",
      })
      .default("MultiTenant"),
  ),
  ALLOWED_TENANT_IDS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().min(1)))
      .optional(),
  ),
  DEFAULT_LOCALE: z.preprocess(emptyToUndefined, z.enum(["fr", "en"], { error: "must be fr or en" }).default("fr")),
  FORCE_LOCALE: z.preprocess(emptyToUndefined, z.enum(["fr", "en"], { error: "must be fr or en, or empty" }).optional()),
  OUTBOX_LEASE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a number of seconds (2-3600)" })
      .int("must be a number of seconds (2-3600)")
      .min(2, "must be a number of seconds (2-3600)")
      .max(3600, "must be a number of seconds (2-3600)")
      .default(60),
  ),
  OUTBOX_GIVE_UP_HOURS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a number of hours (1-720)" })
      .int("must be a number of hours (1-720)")
      .min(1, "must be a number of hours (1-720)")
      .max(720, "must be a number of hours (1-720)")
      .default(24),
  ),
  SHUTDOWN_GRACE_SECONDS: seconds(1, 300, 8),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: seconds(1, 600, 5),
  DATABASE_CONNECT_TIMEOUT_SECONDS: seconds(1, 600, 5),
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(["json", "text"], { error: "must be json or text, or empty" }).optional()),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
  ),
  SEED_DEMO: z.preprocess(emptyToUndefined, z.enum(["auto", "always", "never"], { error: "must be auto, always or never" }).default("auto")),
  PUBLIC_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((v) => /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(v), { message: "must be the bot's public address, such as https://repere.ac-exemple.fr" })
      .transform((v) => v.replace(/\/+$/, ""))
      .optional(),
  ),
  RETENTION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((v) => v === "end-of-school-year" || (/^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 3650), {
        message: 'must be "end-of-school-year" or a number of days after closure (1-3650)',
      })
      .default("end-of-school-year"),
  ),
  IDLE_CASE_MONTHS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a number of months (1-60)" })
      .int("must be a number of months (1-60)")
      .min(1, "must be a number of months (1-60)")
      .max(60, "must be a number of months (1-60)")
      .default(DEFAULT_IDLE_CASE_MONTHS),
  ),
  ALLOW_UNAUTHENTICATED: flag(),
  IMPORT_DOWNLOAD_HOSTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default(TEAMS_FILE_HOSTS.join(","))
      .transform((v, ctx) => {
        const parsed = parseHostPatterns(v);
        if (parsed.invalid.length === 0 && parsed.patterns.length > 0) return parsed.patterns;
        const shown = parsed.invalid.map((p) => `"${p}"`).join(", ");
        ctx.addIssue({ code: "custom", message: `must be host names or *.domain patterns separated by commas${shown ? ` (not ${shown})` : ""}` });
        return z.NEVER;
      }),
  ),
  IMPORT_DOWNLOAD_ALLOW_LOOPBACK: flag(),
  SIGNING_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 48)").optional()),
  SCHOOL_HOLIDAYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const parsed = parseHolidays(v);
        if (parsed.ok) return parsed.ranges;
        ctx.addIssue({ code: "custom", message: `must be date ranges such as 2026-12-19..2027-01-03,2027-02-06..2027-02-21: ${parsed.problem}` });
        return z.NEVER;
      })
      .optional(),
  ),
});

/** Rules between variables, checked on the raw values so that they are reported together with
 *  the per-variable problems. */
function crossVariableProblems(env: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  const problems: string[] = [];
  const appType = (env.MicrosoftAppType ?? "").trim();
  if (set("MicrosoftAppId") && !set("MicrosoftAppPassword") && appType !== "UserAssignedMSI") {
    problems.push("MicrosoftAppPassword is required when MicrosoftAppId is set");
  }
  if (appType === "SingleTenant" && set("MicrosoftAppId") && !set("MicrosoftAppTenantId")) {
    problems.push("MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant");
  }
  // Without an app id nothing checks who sends the requests: fine on this machine (Agents
  // Playground, tests), not on an interface other machines reach, unless someone says so.
  const host = (env.HOST ?? "").trim() || "127.0.0.1";
  if (!set("MicrosoftAppId") && !isLoopbackHost(host) && (env.ALLOW_UNAUTHENTICATED ?? "").trim() !== "true") {
    problems.push(
      `HOST ${host} is reachable from other machines but MicrosoftAppId is empty: requests would not be authenticated. Set MicrosoftAppId (and MicrosoftAppPassword), or ALLOW_UNAUTHENTICATED=true for a test network`,
    );
  }
  if (set("MicrosoftAppId") && (env.IMPORT_DOWNLOAD_ALLOW_LOOPBACK ?? "").trim() === "true") {
    problems.push("IMPORT_DOWNLOAD_ALLOW_LOOPBACK is for local mode only (tests): it cannot be set with MicrosoftAppId");
  }
  return problems;
}

/** Every variable the bot reads (.env.example and the README list them all: a test checks). */
export const ENVIRONMENT_VARIABLES = Object.keys(EnvSchema.shape);

/**
 * Reads a `.env` file into the environment when there is one, as deployment tools do: a variable
 * already set in the environment wins over the file. Returns the file read, or null.
 */
export function loadEnvFile(file = path.resolve(".env"), env: NodeJS.ProcessEnv = process.env): string | null {
  if (!existsSync(file)) return null;
  let values: Record<string, string>;
  try {
    values = parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (err) {
    throw new ConfigError([`${file} cannot be read: ${(err as Error).message}`]);
  }
  for (const [name, value] of Object.entries(values)) env[name] ??= value;
  return file;
}

export type Config = {
  port: number;
  host: string;
  /** `schema` comes from DATABASE_URL's `?schema=` (as Prisma spells it); "public" by default. */
  database: { kind: "postgres"; url: string; schema?: string } | { kind: "embedded"; dataDir: string };
  bot: {
    /** Empty in local mode (Agents Playground, tests): requests are not authenticated. */
    appId?: string;
    appPassword?: string;
    appTenantId?: string;
    appType: "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
  };
  /** Empty list: every tenant is accepted. */
  allowedTenantIds: string[];
  defaultLocale: "fr" | "en";
  /** For demonstrations: every answer in this language whatever the Teams client says. */
  forceLocale?: "fr" | "en";
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** "auto": readable text on a terminal, JSON lines otherwise (log collectors). */
  logFormat: "json" | "text" | "auto";
  seedDemo: "auto" | "always" | "never";
  /** How long an instance holds the outbox sends it claimed; a crashed instance's are taken over after it. */
  outboxLeaseMs: number;
  /** How long the outbox keeps retrying a send that fails before it gives it up (FAILED). */
  outboxGiveUpMs: number;
  /** On SIGTERM: how long sends and requests in flight may take to finish before the process exits. */
  shutdownGraceMs: number;
  /** How long a statement may run, and how long to wait for a connection, before the user is told
   *  the service is unavailable (Teams gives an action about 10 s). */
  databaseTimeouts: { statementMs: number; connectMs: number };
  /** Where Teams and browsers reach the bot's HTTP server (chart images, export downloads); empty:
   *  http://127.0.0.1:<port>, for local mode. */
  publicBaseUrl?: string;
  /** Key of the signed, expiring download links; empty: a random key per process (one instance only). */
  signingSecret?: string;
  /** How long a closed case keeps its pupil's identity and notes before the retention job
   *  anonymises it: until the 31 August ending the school year of closure, or a number of days. */
  retention: { kind: "endOfSchoolYear" } | { kind: "days"; days: number };
  /** Months without activity after which an open case is proposed for closure « perdu de vue ». */
  idleCaseMonths: number;
  /** School holidays (both ends included, Paris dates): no weekly digest on a Monday within them. */
  schoolHolidays: DateRange[];
  /** Listening beyond loopback without an app id (ALLOW_UNAUTHENTICATED=true): warned at start and every hour. */
  exposedWithoutAuthentication: boolean;
  /** Where a list sent in Teams may be downloaded from: host patterns (IMPORT_DOWNLOAD_HOSTS), and
   *  in local mode only, this machine over http (the tests' file server). */
  importDownloads: { hosts: string[]; allowLoopback: boolean };
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** Parse the environment; throws ConfigError with one readable line per wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const crossProblems = crossVariableProblems(env);
  if (!parsed.success || crossProblems.length > 0) {
    const lines = (parsed.error?.issues ?? []).map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const value = env[name];
      const shown = value === undefined || /password|secret/i.test(name) ? "" : ` (got "${value}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError([...new Set([...lines, ...crossProblems])]);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL ? postgresDatabase(e.DATABASE_URL) : { kind: "embedded", dataDir: path.resolve(e.DATA_DIR) },
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appTenantId: e.MicrosoftAppTenantId,
      appType: e.MicrosoftAppType,
    },
    allowedTenantIds: e.ALLOWED_TENANT_IDS ?? [],
    defaultLocale: e.DEFAULT_LOCALE,
    forceLocale: e.FORCE_LOCALE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? "auto",
    seedDemo: e.SEED_DEMO,
    outboxLeaseMs: e.OUTBOX_LEASE_SECONDS * 1000,
    outboxGiveUpMs: e.OUTBOX_GIVE_UP_HOURS * 3_600_000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    databaseTimeouts: { statementMs: e.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000, connectMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000 },
    publicBaseUrl: e.PUBLIC_BASE_URL,
    signingSecret: e.SIGNING_SECRET,
    retention: e.RETENTION === "end-of-school-year" ? { kind: "endOfSchoolYear" } : { kind: "days", days: Number(e.RETENTION) },
    idleCaseMonths: e.IDLE_CASE_MONTHS,
    schoolHolidays: e.SCHOOL_HOLIDAYS ?? [],
    exposedWithoutAuthentication: !e.MicrosoftAppId && !isLoopbackHost(e.HOST),
    importDownloads: { hosts: e.IMPORT_DOWNLOAD_HOSTS, allowLoopback: e.IMPORT_DOWNLOAD_ALLOW_LOOPBACK },
  };
}

function postgresDatabase(url: string): Config["database"] {
  const m = /[?&]schema=([a-z_][a-z0-9_]*)/.exec(url);
  if (!m) return { kind: "postgres", url };
  // pg does not know the parameter: keep it for Prisma's sake only.
  const cleaned = url.replace(/([?&])schema=[^&]*(&|$)/, (_all, sep: string, end: string) => (end ? sep : "")).replace(/[?&]$/, "");
  return { kind: "postgres", url: cleaned, schema: m[1]! };
}

/** Tools such as the Prisma CLI read a handful of variables too; they go through here. */
export function prismaCliEnvironment(env: NodeJS.ProcessEnv = process.env) {
  return { disableCheckpoint: () => (env.CHECKPOINT_DISABLE ??= "1"), setDatabaseUrl: (url: string) => (env.DATABASE_URL = url) };
}
