import { PrismaPg } from "@prisma/adapter-pg";
import { isConnectionLost } from "./connections.js";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Transaction = Awaited<ReturnType<Adapter["startTransaction"]>>;

/**
 * Prisma's pg adapter, with the connection of an interactive transaction given back to the pool
 * when it is lost. Prisma 6.19 ends a failed transaction by sending ROLLBACK and then releasing the
 * connection; on a lost connection the ROLLBACK fails too, and the release never happens: each
 * such transaction kept one connection of the pool for good (ten, and every statement of the bot
 * waited for a connection until the process restarted; the embedded database's pool has one).
 */
export class ResilientPrismaPg extends PrismaPg {
  override async connect(): Promise<Adapter> {
    const adapter = await super.connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => releasingWhenLost(await start(isolationLevel));
    return adapter;
  }
}

function releasingWhenLost(tx: Transaction): Transaction {
  let lost: unknown;
  const commit = tx.commit.bind(tx);
  const rollback = tx.rollback.bind(tx);
  // rollback() releases the connection (pg-pool discards it, as broken), and may do so only once.
  const giveBack = async () => {
    await rollback().catch(() => {});
  };
  const guard =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (lost !== undefined) throw lost;
      try {
        return await run(...args);
      } catch (err) {
        if (isConnectionLost(err)) {
          lost = err;
          await giveBack();
        }
        throw err;
      }
    };
  const executeRaw = guard(tx.executeRaw.bind(tx));
  const queryRaw = guard(tx.queryRaw.bind(tx));
  return Object.assign(tx, {
    executeRaw,
    queryRaw,
    commit: async () => (lost === undefined ? commit() : undefined),
    rollback: async () => (lost === undefined ? rollback() : undefined),
  });
}
