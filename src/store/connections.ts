import type pg from "pg";

/** Errors that say the connection itself is gone or silent, rather than a statement refused: from
 *  pg, or from Prisma's pg adapter (a DriverAdapterError whose `cause` names the failure). */
export function isConnectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  for (const code of [e.code, e.originalCode]) {
    // 08P01 (protocol violation) is a statement sent wrong, on a connection that stays usable.
    if (
      typeof code === "string" &&
      ((/^(08|57P)/.test(code) && code !== "08P01") || ["25P03", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"].includes(code))
    )
      return true;
  }
  if (typeof e.kind === "string" && ["ConnectionClosed", "SocketTimeout", "DatabaseNotReachable"].includes(e.kind)) return true;
  const message = typeof e.message === "string" ? e.message : "";
  if (
    /^(Query read timeout|Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Server has closed the connection)/.test(
      message,
    )
  )
    return true;
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
