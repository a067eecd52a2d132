import pg from "pg";

/** How long the bot waits for PostgreSQL. */
export type DatabaseTimeouts = {
  /** A statement running longer is cancelled by the server (`statement_timeout`). */
  statementMs: number;
  /** Opening a connection, or waiting for a free one in the pool, longer than this fails. */
  connectMs: number;
};

/** A statement answered after its timeout fails with this (code ETIMEDOUT: the database is unavailable). */
export class StatementTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = "StatementTimeoutError";
  }
}

/** Connection settings that bound every statement of the bot's pool on PostgreSQL. A server that
 *  is reachable cancels a statement past `statement_timeout`, and ends a session left idle inside a
 *  transaction (the claim's advisory lock, held by an instance cut off mid-claim, would otherwise
 *  stop every instance's claims until TCP gave up, which takes hours). A server that does not
 *  answer at all (a partition) is the client's business: see GuardedClient. */
export function timeoutSettings(t: DatabaseTimeouts): Pick<pg.PoolConfig, "statement_timeout" | "idle_in_transaction_session_timeout" | "Client"> {
  // The client's own timer comes 2 s after the server's: when the server can answer, its
  // cancellation (57014) arrives first and the connection stays usable.
  return { statement_timeout: t.statementMs, idle_in_transaction_session_timeout: 2 * t.statementMs, Client: guardedClient(t.statementMs + 2000) };
}

/**
 * A pg client that gives up on a statement the server does not answer, and drops the connection.
 * pg's own `query_timeout` answers the caller but leaves the connection busy with the statement
 * it sent, and a client given back to the pool that way (Prisma's transactions release without
 * the error) makes whoever takes it next wait for an answer that never comes. Destroying the
 * socket fails the statement and marks the client broken, so that the pool discards it.
 * A query config may carry its own `query_timeout` (the migrator: no limit).
 */
export function guardedClient(timeoutMs: number): typeof pg.Client {
  return class GuardedClient extends pg.Client {
    override query(...args: unknown[]): never {
      const config = args[0] as { query_timeout?: unknown } | string;
      const ms = typeof config === "object" && config !== null && typeof config.query_timeout === "number" ? config.query_timeout : timeoutMs;
      if (!(ms > 0)) return (super.query as (...a: unknown[]) => never)(...args);
      let timer: NodeJS.Timeout | undefined = setTimeout(() => {
        timer = undefined;
        const stream = (this as unknown as { connection?: { stream?: { destroy(err?: Error): void } } }).connection?.stream;
        stream?.destroy(new StatementTimeoutError(ms));
      }, ms);
      const done = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
      };
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") {
        args[last] = (...results: unknown[]) => {
          done();
          (callback as (...r: unknown[]) => void)(...results);
        };
        return (super.query as (...a: unknown[]) => never)(...args);
      }
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result && typeof (result as Promise<unknown>).then === "function") (result as Promise<unknown>).then(done, done);
      else done();
      return result as never;
    }
  };
}
