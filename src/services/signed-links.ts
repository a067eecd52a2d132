import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** Signed, expiring links to files the bot serves (chart images, CSV exports): whoever holds the
 *  link may fetch it until it expires, nobody can make one up or change one. The signature is an
 *  HMAC-SHA256 of the path and the expiry with a key every instance shares (SIGNING_SECRET), so any
 *  instance behind the load balancer serves a link made by another. */

export const DOWNLOAD_PREFIX = "/dl/";
export const DEFAULT_LINK_TTL_MS = 60 * 60_000;

export type LinkCheck = "VALID" | "EXPIRED" | "INVALID";

export class SignedLinks {
  private readonly key: Buffer;

  constructor(
    secret: string | undefined,
    /** Read at each call: the port is known only once the server listens. */
    private readonly baseUrl: () => string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.key = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  /** An absolute URL to `path` (which starts with /dl/), valid for `ttlMs`. */
  url(path: string, ttlMs = DEFAULT_LINK_TTL_MS): string {
    if (!path.startsWith(DOWNLOAD_PREFIX) || /[?#\s]/.test(path)) throw new Error(`not a download path: ${path}`);
    const exp = Math.floor((this.clock().getTime() + ttlMs) / 1000);
    return `${this.baseUrl()}${path}?exp=${exp}&sig=${this.signature(path, exp)}`;
  }

  /** Whether a request for `path` with these `exp` and `sig` query values may be served. */
  check(path: string, exp: unknown, sig: unknown): LinkCheck {
    if (typeof exp !== "string" || typeof sig !== "string" || !/^\d{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return "INVALID";
    const expected = Buffer.from(this.signature(path, Number(exp)));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "INVALID";
    return Number(exp) * 1000 < this.clock().getTime() ? "EXPIRED" : "VALID";
  }

  private signature(path: string, exp: number): string {
    return createHmac("sha256", this.key).update(`${path}\n${exp}`).digest("base64url");
  }
}
