import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { hostAllowed } from "../../domain/download-hosts.js";

/** Downloads a file a message names (a list sent to the bot in Teams). The server makes the request,
 *  so what it may reach is limited (server-side request forgery): https only, hosts of the
 *  configured list, no address of a private network or of this machine after DNS resolution (the
 *  connection goes to the address that was checked), redirects checked the same way, and bounded
 *  in size and time. Only the tests' file server, in local mode, is reached over http on loopback. */

export type DownloadPolicy = {
  /** Host patterns (IMPORT_DOWNLOAD_HOSTS). */
  hosts: readonly string[];
  /** Local mode only: http and https to this machine (127.0.0.0/8, ::1, localhost). */
  allowLoopback: boolean;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
};

export type DownloadFailure = "TOO_BIG" | "REFUSED" | "NOT_A_FILE" | "FAILED";

export class DownloadError extends Error {
  constructor(
    readonly reason: DownloadFailure,
    message: string,
  ) {
    super(message);
  }
}

type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;
const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

// Special-purpose and private ranges (IANA registries): never a file host.
const NOT_PUBLIC = new net.BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv4");
for (const [prefix, bits] of [
  // IPv4-mapped addresses (::ffff:a.b.c.d) are judged by the IPv4 rules: BlockList maps them.
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv6");
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

function family(address: string): "ipv4" | "ipv6" {
  return net.isIPv4(address) ? "ipv4" : "ipv6";
}

/** An IPv6 address that carries an IPv4 one (::ffff:10.0.0.1) is judged by it. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

export function isPublicAddress(address: string): boolean {
  const a = unmapped(address);
  return net.isIP(a) !== 0 && !NOT_PUBLIC.check(a, family(a));
}

export function isLoopbackAddress(address: string): boolean {
  const a = unmapped(address);
  return net.isIP(a) !== 0 && LOOPBACK.check(a, family(a));
}

const LOOPBACK_NAMES = new Set(["localhost"]);

/** Where a URL may be fetched from, before any connection; null when it may. */
function refusal(url: URL, policy: DownloadPolicy): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const local = policy.allowLoopback && (LOOPBACK_NAMES.has(host) || isLoopbackAddress(host));
  if (url.protocol !== "https:" && !(local && url.protocol === "http:")) return `scheme ${url.protocol} refused`;
  if (url.username || url.password) return "credentials in the URL refused";
  if (!local && !hostAllowed(host, policy.hosts)) return `host ${host} is not in IMPORT_DOWNLOAD_HOSTS`;
  if (!local && net.isIP(host) !== 0 && !isPublicAddress(host)) return `address ${host} is not public`;
  return null;
}

/** The addresses a host resolves to, all checked: public ones, or this machine's when allowed. */
async function checkedAddresses(url: URL, policy: DownloadPolicy, lookup: Lookup): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const local = policy.allowLoopback && (LOOPBACK_NAMES.has(host.toLowerCase()) || isLoopbackAddress(host));
  const addresses = net.isIP(host) !== 0 ? [{ address: host, family: net.isIPv4(host) ? 4 : 6 }] : await lookup(host);
  if (addresses.length === 0) throw new DownloadError("FAILED", `${host} does not resolve`);
  for (const a of addresses) {
    const ok = local ? isLoopbackAddress(a.address) : isPublicAddress(a.address);
    if (!ok) throw new DownloadError("REFUSED", `${host} resolves to ${a.address}, which is not a public address`);
  }
  return addresses[0]!;
}

type Response = { status: number; location: string | null; contentType: string; contentLength: number | null; body: http.IncomingMessage };

function request(url: URL, address: { address: string; family: number }, signal: AbortSignal): Promise<Response> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "GET",
        signal,
        headers: { accept: "text/csv, application/octet-stream, */*;q=0.1" },
        // The connection goes to the address that was checked, whatever DNS answers now (a name
        // may resolve to a public address when checked and to a private one a moment later).
        lookup: (_host, opts, callback) => {
          const cb = callback as unknown as (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
          if ((opts as { all?: boolean }).all) cb(null, [address]);
          else cb(null, address.address, address.family);
        },
        agent: false,
      },
      (res) => {
        const length = Number(res.headers["content-length"] ?? "NaN");
        resolve({
          status: res.statusCode ?? 0,
          location: typeof res.headers.location === "string" ? res.headers.location : null,
          contentType: String(res.headers["content-type"] ?? "").toLowerCase(),
          contentLength: Number.isFinite(length) ? length : null,
          body: res,
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Content types that are pages or API answers, not a file someone sent. */
const NOT_A_FILE = /^(text\/html|application\/(json|xml|xhtml\+xml|problem\+json)|text\/xml)\b/;

export async function downloadAttachment(downloadUrl: string, policy: DownloadPolicy, lookup: Lookup = systemLookup): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  let url: URL;
  try {
    url = new URL(downloadUrl);
  } catch {
    throw new DownloadError("REFUSED", "not a URL");
  }
  const maxRedirects = policy.maxRedirects ?? 3;
  for (let hop = 0; ; hop++) {
    const refused = refusal(url, policy);
    if (refused) throw new DownloadError("REFUSED", refused);
    const address = await checkedAddresses(url, policy, lookup);
    let res: Response;
    try {
      res = await request(url, address, signal);
    } catch (err) {
      throw new DownloadError("FAILED", signal.aborted ? `no answer within ${policy.timeoutMs} ms` : `request failed: ${(err as Error).message}`);
    }
    if (res.status >= 300 && res.status < 400 && res.location) {
      res.body.resume();
      if (hop >= maxRedirects) throw new DownloadError("REFUSED", `more than ${maxRedirects} redirects`);
      url = new URL(res.location, url);
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      res.body.resume();
      throw new DownloadError("FAILED", `download answered HTTP ${res.status}`);
    }
    if (NOT_A_FILE.test(res.contentType)) {
      res.body.destroy();
      throw new DownloadError("NOT_A_FILE", `download answered ${res.contentType.split(";")[0]}, not a file`);
    }
    if (res.contentLength !== null && res.contentLength > policy.maxBytes) {
      res.body.destroy();
      throw new DownloadError("TOO_BIG", `file of ${res.contentLength} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > policy.maxBytes) {
          res.body.destroy();
          throw new DownloadError("TOO_BIG", `file over ${policy.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      throw new DownloadError(
        "FAILED",
        signal.aborted ? `no complete answer within ${policy.timeoutMs} ms` : `download interrupted: ${(err as Error).message}`,
      );
    }
    return Buffer.concat(chunks);
  }
}
