import pg from "pg";

/**
 * The statements that run on every turn (who is talking, the dialog state, a status query, a
 * triage action), sent straight to the pg pool the Prisma adapter also uses. A Prisma raw query
 * costs about 0.5 to 1 ms of CPU around a statement that PostgreSQL answers in 0.1 ms (query
 * compiler, adapter, result conversion; `npm run bench` profiles): on the hot path that was most of
 * a turn. Statements are named, so each connection prepares them once.
 *
 * Values and results follow Prisma's conventions, so that the rest of the store cannot tell:
 * `timestamp` columns hold UTC (Prisma's DateTime), `date` columns are read as UTC midnight.
 */

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP) return parseUtcTimestamp;
    if (oid === DATE) return parseUtcDate;
    return pg.types.getTypeParser(oid, format);
  },
};
const TIMESTAMP = 1114;
const DATE = 1082;

function parseUtcTimestamp(value: string): Date {
  // "2026-11-28 13:39:00.123" (Prisma writes UTC wall time into `timestamp(3)` columns).
  return new Date(`${value.replace(" ", "T")}Z`);
}

function parseUtcDate(value: string): Date {
  return new Date(`${value}T00:00:00Z`);
}

/** A Date is sent as its ISO text: cast to `timestamp` it keeps its UTC wall time whatever the
 *  process's time zone (pg would send local time with an offset, which `timestamp` ignores). */
function param(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export class HotSql {
  constructor(private readonly executor: pg.Pool | pg.PoolClient) {}

  /** Runs a statement. A named one is prepared once per connection, so a `name` must always come
   *  with the same text; statements built per call (lists of ids) go unnamed (null). */
  async rows<T>(name: string | null, text: string, values: readonly unknown[]): Promise<T[]> {
    return (await this.run(name, text, values)).rows as T[];
  }

  async rowCount(name: string | null, text: string, values: readonly unknown[]): Promise<number> {
    return (await this.run(name, text, values)).rowCount ?? 0;
  }

  private run(name: string | null, text: string, values: readonly unknown[]): Promise<pg.QueryResult> {
    return this.executor.query({ ...(name === null ? {} : { name }), text, values: values.map(param), types } as pg.QueryConfig);
  }

  /** Runs `work` in one transaction on one connection of the pool. */
  async transaction<T>(work: (sql: HotSql) => Promise<T>): Promise<T> {
    if (!(this.executor instanceof pg.Pool)) throw new Error("transactions do not nest");
    return withClient(this.executor, async (client, connection) => {
      await client.query("BEGIN");
      try {
        const result = await work(new HotSql(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        // A connection that broke, or went silent, is dropped instead: the server rolls back when it
        // goes, and a ROLLBACK sent into a silent connection would wait as long again.
        if (!connection.lost(err)) await client.query("ROLLBACK").catch(() => {});
        throw err;
      }
    });
  }
}

/** Errors that say the connection itself is gone or silent, rather than a statement refused: from
 *  pg, or from Prisma's pg adapter (a DriverAdapterError whose `cause` names the failure). */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  for (const code of [e.code, e.originalCode]) {
    // 08P01 (protocol violation) is a statement sent wrong, on a connection that stays usable.
    if (typeof code === "string" && ((/^(08|57P)/.test(code) && code !== "08P01") || ["25P03", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"].includes(code))) return true;
  }
  if (typeof e.kind === "string" && ["ConnectionClosed", "SocketTimeout", "DatabaseNotReachable"].includes(e.kind)) return true;
  const message = typeof e.message === "string" ? e.message : "";
  if (/^(Query read timeout|Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Server has closed the connection)/.test(message)) return true;
  return e.cause !== err && e.cause !== undefined && isConnectionLost(e.cause);
}

/**
 * Borrows a client of the pool for `use`. While a client is borrowed, pg-pool takes off its own
 * 'error' listener, and a connection that drops (a reset, a failover's pg_terminate_backend) then
 * raised an 'error' event that nobody heard: Node ended the process. So a borrowed client always
 * has a listener, and a client whose connection was lost goes back to the pool with the error,
 * which discards it (the next borrower gets a new connection).
 */
export async function withClient<T>(pool: pg.Pool, use: (client: pg.PoolClient, connection: { lost(err?: unknown): boolean }) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on("error", onError);
  const connection = { lost: (err?: unknown) => broken !== undefined || (err !== undefined && isConnectionLost(err)) };
  try {
    return await use(client, connection);
  } catch (err) {
    if (isConnectionLost(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}
