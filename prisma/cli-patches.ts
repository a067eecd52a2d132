// Work-arounds for the Prisma 6.19.3 CLI (engine "js", wasm schema engine) with @prisma/adapter-pg 6.19.3.
// Only prisma.config.ts imports this file: the runtime PrismaClient needs none of it.
// test/integration/prisma-cli-patches.test.ts shows that each one is still needed.

/** prisma/orm#27403: adapter-pg rejects catalog columns of type `name` (19), `"char"` (18) and their
 *  arrays (1003, 1002) that the schema engine reads ("Column type 'name' could not be deserialized"),
 *  which breaks migrate deploy/dev/status and db push. Report them as text / text[]. */
export const CATALOG_TYPE_REMAP: Readonly<Record<number, number>> = { 19: 25, 18: 25, 1003: 1009, 1002: 1009 };

/** prisma/orm#29635: PostgreSQL 18 (PGlite 0.5 is PostgreSQL 18) lists NOT NULL constraints in
 *  pg_constraint with contype 'n'; the schema engine panics ("unreachable") describing them. */
export const CONSTRAINTS_QUERY_FRAGMENT = "contype NOT IN ('p', 'u', 'f')";
export const CONSTRAINTS_QUERY_PATCHED = "contype NOT IN ('p', 'u', 'f', 'n')";

type Field = { dataTypeID: number };
type PerformIO = (query: { sql: string }) => Promise<{ fields?: Field[] } | undefined>;

export function patchPgAdapter<T>(adapter: T, onDispose?: () => Promise<void>): T {
  const a = adapter as unknown as { performIO: PerformIO; dispose: () => Promise<void> };
  const performIO = a.performIO.bind(a);
  a.performIO = async (query) => {
    if (query.sql.includes(CONSTRAINTS_QUERY_FRAGMENT)) {
      query = { ...query, sql: query.sql.replace(CONSTRAINTS_QUERY_FRAGMENT, CONSTRAINTS_QUERY_PATCHED) };
    }
    const result = await performIO(query);
    for (const field of result?.fields ?? []) {
      const remapped = CATALOG_TYPE_REMAP[field.dataTypeID];
      if (remapped !== undefined) field.dataTypeID = remapped;
    }
    return result;
  };
  if (onDispose) {
    const dispose = a.dispose.bind(a);
    a.dispose = async () => {
      await dispose();
      await onDispose();
    };
  }
  return adapter;
}

/** The wasm schema engine leaves 10 s and 60 s timers pending: without this the CLI lingers
 *  for up to a minute after it is done. Unref long timers so the process exits when finished. */
export function unrefLongTimers(minMs = 5000): void {
  const original = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original(fn, ms, ...args);
    if ((ms ?? 0) >= minMs) timer.unref?.();
    return timer;
  }) as typeof setTimeout;
}
