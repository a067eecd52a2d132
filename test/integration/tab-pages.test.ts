import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import restify from "restify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTabPages } from "../../src/http/tab-pages.js";

/** The tab's built files under /tab/ (src/http/tab-pages.ts), from a stand-in for web/dist: the
 *  page, its hashed assets, nothing outside the folder, and a clear answer when it is not built. */

async function serve(dist: string) {
  const server = restify.createServer({ handleUncaughtExceptions: false });
  registerTabPages(server, dist);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the tab's pages", () => {
  const root = mkdtempSync(path.join(tmpdir(), "repere-tab-pages-"));
  const dist = path.join(root, "dist");
  let built: Awaited<ReturnType<typeof serve>>;
  let missing: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    mkdirSync(path.join(dist, "assets"), { recursive: true });
    writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>Mes dossiers</title>");
    writeFileSync(path.join(dist, "assets", "index-abc123.js"), "console.log(1)");
    writeFileSync(path.join(dist, ".sources"), "hash");
    writeFileSync(path.join(root, "secret.json"), "{}");
    built = await serve(dist);
    missing = await serve(path.join(root, "not-built"));
  });
  afterAll(async () => {
    await built?.close();
    await missing?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the page never cached and framable by Teams only, and the hashed files for good", async () => {
    const page = await fetch(`${built.url}/tab/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Mes dossiers");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'self' https://teams.microsoft.com");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const js = await fetch(`${built.url}/tab/assets/index-abc123.js`);
    expect([js.status, js.headers.get("content-type"), js.headers.get("cache-control")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "public, max-age=31536000, immutable",
    ]);
    // The page is the only one: nothing else answers.
    expect((await fetch(`${built.url}/tab/cases/D-2026-0001`)).status).toBe(404);
    expect((await fetch(`${built.url}/tab/assets/gone-000.js`)).status).toBe(404);
  });

  it("serves nothing outside the built folder, nor its hidden files", async () => {
    for (const p of [
      "/tab/../secret.json",
      "/tab/%2e%2e/secret.json",
      "/tab/..%2fsecret.json",
      "/tab/.sources",
      "/tab/assets/%2e%2e/%2e%2e/secret.json",
      "/tab/%E0%A4%A",
    ]) {
      expect((await fetch(`${built.url}${p}`)).status, p).toBe(404);
    }
  });

  it("says how to build the tab when it is not built", async () => {
    const res = await fetch(`${missing.url}/tab/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("npm run build:tab");
  });
});
