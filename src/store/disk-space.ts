import { statfs } from "node:fs/promises";

/** Bytes an unprivileged process may still write on the file system holding `dir`; null when it
 *  cannot be told (an in-memory database, a missing directory). */
export async function freeDiskBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}
