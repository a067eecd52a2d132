import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadAttachment, DownloadError, isPublicAddress, type DownloadPolicy } from "../../src/teams/platform/attachment-download.js";
import { hostAllowed, parseHostPatterns } from "../../src/domain/download-hosts.js";

/** The file of a message is downloaded by the server: what it may reach is limited (SSRF). */

const TEAMS: DownloadPolicy = { hosts: ["*.sharepoint.com"], allowLoopback: false, maxBytes: 1024, timeoutMs: 2000 };
const LOCAL: DownloadPolicy = { ...TEAMS, allowLoopback: true };

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "downloaded";
  } catch (err) {
    if (err instanceof DownloadError) return err.reason;
    throw err;
  }
}

describe("host patterns", () => {
  it("match a host under a *.domain, or exactly", () => {
    expect(hostAllowed("contoso-my.sharepoint.com", ["*.sharepoint.com"])).toBe(true);
    expect(hostAllowed("CONTOSO-MY.SharePoint.com.", ["*.sharepoint.com"])).toBe(true);
    expect(hostAllowed("sharepoint.com", ["*.sharepoint.com"])).toBe(false);
    expect(hostAllowed("evilsharepoint.com", ["*.sharepoint.com"])).toBe(false);
    expect(hostAllowed("sharepoint.com.evil.fr", ["*.sharepoint.com"])).toBe(false);
    expect(hostAllowed("files.ac-exemple.fr", ["files.ac-exemple.fr"])).toBe(true);
    expect(hostAllowed("x.files.ac-exemple.fr", ["files.ac-exemple.fr"])).toBe(false);
  });

  it("are parsed from a comma-separated list; anything else is set apart", () => {
    expect(parseHostPatterns(" *.SharePoint.com , files.fr,, ")).toEqual({ patterns: ["*.sharepoint.com", "files.fr"], invalid: [] });
    expect(parseHostPatterns("*,*.com,http://x.fr,10.0.0.1,x").invalid).toEqual(["*", "*.com", "http://x.fr", "10.0.0.1", "x"]);
  });
});

describe("public addresses", () => {
  it.each([
    ["13.107.136.9", true],
    ["2603:1006::1", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.31.255.255", false],
    ["192.168.0.10", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["0.0.0.0", false],
    ["::1", false],
    ["::", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["not an address", false],
  ])("%s: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("downloading the file of a message", () => {
  const neverLookedUp = async (host: string): Promise<never> => {
    throw new Error(`looked up ${host}`);
  };

  it("refuses before any connection: http, a host not in the list, credentials, a private literal", async () => {
    for (const url of [
      "http://contoso-my.sharepoint.com/f.csv",
      "https://evil.example.org/f.csv",
      "https://u:p@contoso-my.sharepoint.com/f.csv",
      "https://10.0.0.5/f.csv",
      "https://[::1]/f.csv",
      "file:///etc/passwd",
      "not a url",
    ]) {
      expect(await reasonOf(downloadAttachment(url, TEAMS, neverLookedUp)), url).toBe("REFUSED");
    }
  });

  it("refuses a host of the list that resolves to a private or local address (checked after DNS)", async () => {
    for (const addresses of [["10.0.0.5"], ["13.107.136.9", "127.0.0.1"], ["::ffff:192.168.1.1"], ["169.254.169.254"]]) {
      const lookup = async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      expect(await reasonOf(downloadAttachment("https://contoso-my.sharepoint.com/f.csv", TEAMS, lookup)), addresses.join()).toBe("REFUSED");
    }
  });

  describe("from a server on this machine (local mode only)", () => {
    let server: http.Server;
    let base = "";
    let bytesOf = (_path: string): Buffer | null => null;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const path = req.url ?? "";
        if (path === "/redirect-out") return void res.writeHead(302, { location: "https://evil.example.org/list.csv" }).end();
        if (path === "/redirect-metadata") return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
        if (path === "/redirect-in") return void res.writeHead(302, { location: "/list.csv" }).end();
        if (path === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
        if (path === "/html") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>internal</html>");
        if (path === "/json") return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
        if (path === "/slow") return; // never answers
        if (path === "/big-chunked") {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          for (let i = 0; i < 10; i++) res.write(Buffer.alloc(512, 65));
          return void res.end();
        }
        const body = bytesOf(path);
        if (!body) return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(body.byteLength) }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      bytesOf = (path) => (path === "/list.csv" ? Buffer.from("nom;prénom\nDurand;Léa\n") : path === "/big" ? Buffer.alloc(2048, 65) : null);
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("is refused unless the setting allows it", async () => {
      expect(await reasonOf(downloadAttachment(`${base}/list.csv`, TEAMS))).toBe("REFUSED");
      expect(Buffer.from(await downloadAttachment(`${base}/list.csv`, LOCAL)).toString()).toContain("Durand");
    });

    it("follows a redirect only to where it could have gone directly", async () => {
      expect(Buffer.from(await downloadAttachment(`${base}/redirect-in`, LOCAL)).toString()).toContain("Durand");
      expect(await reasonOf(downloadAttachment(`${base}/redirect-out`, LOCAL))).toBe("REFUSED");
      expect(await reasonOf(downloadAttachment(`${base}/redirect-metadata`, LOCAL))).toBe("REFUSED");
      expect(await reasonOf(downloadAttachment(`${base}/loop`, LOCAL))).toBe("REFUSED");
    });

    it("caps the size, declared or not, and the time", async () => {
      expect(await reasonOf(downloadAttachment(`${base}/big`, LOCAL))).toBe("TOO_BIG");
      expect(await reasonOf(downloadAttachment(`${base}/big-chunked`, LOCAL))).toBe("TOO_BIG");
      expect(await reasonOf(downloadAttachment(`${base}/slow`, { ...LOCAL, timeoutMs: 200 }))).toBe("FAILED");
    });

    it("does not take a web page or an API answer for a file", async () => {
      expect(await reasonOf(downloadAttachment(`${base}/html`, LOCAL))).toBe("NOT_A_FILE");
      expect(await reasonOf(downloadAttachment(`${base}/json`, LOCAL))).toBe("NOT_A_FILE");
    });

    it("connects to the address it checked, not to what a name resolves to later", async () => {
      let lookups = 0;
      const rebinding = async () => [{ address: lookups++ === 0 ? "127.0.0.1" : "10.0.0.5", family: 4 }];
      // "localhost" is this machine for the setting; its single lookup gave 127.0.0.1, used for the connection.
      const url = `${base.replace("127.0.0.1", "localhost")}/list.csv`;
      expect(Buffer.from(await downloadAttachment(url, LOCAL, rebinding)).toString()).toContain("Durand");
      expect(lookups).toBe(1);
    });
  });
});
