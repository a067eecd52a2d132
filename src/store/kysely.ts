import { createHash } from "node:crypto";
import pg from "pg";
import {
  Kysely,
  PostgresDialect,
  createQueryId,
  type Compilable,
  type CompiledQuery,
  type PostgresCursor,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from "kysely";
import type { DB } from "../generated/kysely/database.js";

/**
 * The store's one way to the database: Kysely, typed from schema.prisma (prisma-kysely writes
 * src/generated/kysely at `prisma generate`), on the pg pool that Prisma's adapter also uses.
 * A renamed column breaks `npm run typecheck`; no row is cast by hand.
 *
 * Statements are named after their text, so that each connection prepares a statement once and
 * PostgreSQL may keep its plan (a statement built per call, such as a list of ids, is still one
 * text per shape: lists go as arrays, `= any($1)`). Statements with many parameters (batches) go
 * unnamed: each would be a shape of its own, prepared for nothing.
 */
export type Db = Kysely<DB>;
export type { DB };

const DATE = 1082;
const INT8 = 20;
const MAX_NAMED_PARAMETERS = 64;
const MAX_NAMES = 2000;

/** `date` columns hold calendar dates: read as UTC midnight whatever the process's time zone (pg
 *  would make a local midnight). Counts (bigint) fit a number. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === DATE) return (value: string) => new Date(`${value}T00:00:00Z`);
    if (oid === INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A Date goes as its ISO text: exact for timestamptz, and its UTC day for a `date` (pg would send
 *  local time, whose day differs west of Greenwich). */
function param(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

const names = new Map<string, string>();
function statementName(text: string, label = "k"): string {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= MAX_NAMES) names.clear();
    name = `${label}.${createHash("sha1").update(text).digest("base64url").slice(0, 22)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement under a name that says what it is (`case_apply.<hash of its text>`): PostgreSQL's
 * logs of slow statements and pg_stat_activity then name it, and fault tests can pick it out on
 * the wire. Others are named after their text alone.
 */
export async function runNamed<R>(db: Db, label: string, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  if (!names.has(compiled.sql)) statementName(compiled.sql, label);
  return (await db.executeQuery(compiled)).rows;
}

/** An argument's stand-in while a prepared statement is compiled: a text no caller sends. */
const placeholder = (i: number) => `\u0000repere-argument-${i}\u0000`;

type Template<R> = { compiled: CompiledQuery<R>; slots: (number | null)[] };

function templateOf<R>(compiled: CompiledQuery<R>, argumentCount: number): Template<R> | null {
  const slots = compiled.parameters.map((p) => {
    if (typeof p !== "string" || !p.startsWith("\u0000repere-argument-")) return null;
    return Number(p.slice("\u0000repere-argument-".length, -1));
  });
  const used = new Set(slots.filter((s) => s !== null));
  // An argument written into the text, or not sent at all, cannot be swapped: build at each call.
  if (compiled.sql.includes("\u0000") || used.size !== argumentCount) return null;
  return { compiled, slots };
}

/**
 * A statement of the hot path, built and compiled once. Kysely builds and compiles a query at each
 * call (0.17 ms for the status answer's, measured; about a tenth of the bot's CPU on a status turn,
 * `npm run bench -- --cpu-prof`); here the builder runs once, with stand-ins for its arguments, and
 * each call only puts its arguments in their places. The builder must use each argument as one
 * plain value (no branching on it, no list spread into `in`, no sql.lit): otherwise (an argument not
 * found among the parameters) the statement is built at each call, as runNamed does.
 */
export function prepared<A extends unknown[], R>(label: string, build: (db: Db, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<R[]> {
  let template: Template<R> | null | undefined;
  return async (db, ...args) => {
    if (template === undefined) {
      const stand = args.map((_, i) => placeholder(i)) as unknown as A;
      template = templateOf(build(db, ...stand).compile(), args.length);
      if (template !== null) statementName(template.compiled.sql, label);
    }
    if (template === null) return runNamed(db, label, build(db, ...args));
    const { compiled, slots } = template;
    const parameters = compiled.parameters.map((p, j) => {
      const slot = slots[j];
      return slot === null || slot === undefined ? p : args[slot];
    });
    return (await db.executeQuery<R>({ ...compiled, parameters, queryId: createQueryId() })).rows;
  };
}

class NamingClient implements PostgresPoolClient {
  constructor(readonly client: pg.PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== "string") throw new Error("cursors are not used");
    const config: pg.QueryConfig = {
      text: sql,
      values: parameters.map(param),
      ...(parameters.length <= MAX_NAMED_PARAMETERS ? { name: statementName(sql) } : {}),
    };
    return this.client.query({ ...config, types } as pg.QueryConfig) as unknown as Promise<PostgresQueryResult<R>>;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

const ignoreError = () => {};

class NamingPool implements PostgresPool {
  private readonly wrapped = new WeakMap<pg.PoolClient, NamingClient>();
  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<NamingClient> {
    const client = await this.pool.connect();
    let wrapped = this.wrapped.get(client);
    if (!wrapped) {
      // pg-pool removes its own error listener while a client is borrowed: a connection reset in
      // the middle of a transaction would be an unhandled 'error' and end the process. The error
      // reaches the pending query anyway, and the pool discards the broken client on release.
      client.on("error", ignoreError);
      wrapped = new NamingClient(client);
      this.wrapped.set(client, wrapped);
    }
    return wrapped;
  }

  /** The pool belongs to the Database, which ends it. */
  async end(): Promise<void> {}
}

export function createKysely(pool: pg.Pool): Db {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: new NamingPool(pool) }) });
}
