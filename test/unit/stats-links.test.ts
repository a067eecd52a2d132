import { describe, expect, it } from "vitest";
import { SignedLinks } from "../../src/services/signed-links.js";
import { loadConfig } from "../../src/config.js";

describe("signed download links", () => {
  let now = new Date("2026-11-30T10:00:00Z");
  const links = new SignedLinks(
    "s".repeat(40),
    () => "https://repere.example",
    () => now,
  );
  const parts = (url: string) => {
    const u = new URL(url);
    return [u.pathname, u.searchParams.get("exp"), u.searchParams.get("sig")] as const;
  };

  it("are valid for an hour, then expired", () => {
    const url = links.url("/dl/stats/chart-abc.png");
    expect(url).toMatch(/^https:\/\/repere\.example\/dl\/stats\/chart-abc\.png\?exp=\d+&sig=[\w-]{43}$/);
    expect(links.check(...parts(url))).toBe("VALID");
    now = new Date(now.getTime() + 59 * 60_000);
    expect(links.check(...parts(url))).toBe("VALID");
    now = new Date(now.getTime() + 2 * 60_000);
    expect(links.check(...parts(url))).toBe("EXPIRED");
    now = new Date("2026-11-30T10:00:00Z");
  });

  it("refuse a changed path, expiry or signature", () => {
    const [path, exp, sig] = parts(links.url("/dl/stats/export-1.csv"));
    expect(links.check(path.replace("1", "2"), exp, sig)).toBe("INVALID");
    expect(links.check(path, String(Number(exp) + 3600), sig)).toBe("INVALID");
    expect(links.check(path, exp, `${sig!.slice(0, -1)}${sig!.endsWith("A") ? "B" : "A"}`)).toBe("INVALID");
    expect(links.check(path, exp, null)).toBe("INVALID");
    expect(links.check(path, "soon", sig)).toBe("INVALID");
  });

  it("are only valid with the key that signed them (the one all instances share)", () => {
    const url = links.url("/dl/stats/chart-abc.png");
    expect(
      new SignedLinks(
        "s".repeat(40),
        () => "",
        () => now,
      ).check(...parts(url)),
    ).toBe("VALID");
    expect(
      new SignedLinks(
        "t".repeat(40),
        () => "",
        () => now,
      ).check(...parts(url)),
    ).toBe("INVALID");
    expect(
      new SignedLinks(
        undefined,
        () => "",
        () => now,
      ).check(...parts(url)),
    ).toBe("INVALID");
  });

  it("are made for download paths only", () => {
    expect(() => links.url("/api/messages")).toThrow();
    expect(() => links.url("/dl/stats/x.png?y=1")).toThrow();
  });
});

describe("configuration of statistics", () => {
  it("reads PUBLIC_BASE_URL, SIGNING_SECRET and SCHOOL_HOLIDAYS", () => {
    const c = loadConfig({ PUBLIC_BASE_URL: "https://repere.ac-exemple.fr/", SIGNING_SECRET: "x".repeat(32), SCHOOL_HOLIDAYS: "2026-12-19..2027-01-03" });
    expect(c.publicBaseUrl).toBe("https://repere.ac-exemple.fr");
    expect(c.signingSecret).toBe("x".repeat(32));
    expect(c.schoolHolidays).toEqual([{ from: "2026-12-19", to: "2027-01-03" }]);
    expect(loadConfig({}).schoolHolidays).toEqual([]);
    expect(loadConfig({}).publicBaseUrl).toBeUndefined();
  });

  it("names the wrong variable, without showing a secret", () => {
    expect(() => loadConfig({ SCHOOL_HOLIDAYS: "Noël" })).toThrow(/^SCHOOL_HOLIDAYS must be date ranges/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: "repere.fr" })).toThrow(/^PUBLIC_BASE_URL must be the bot's public address/);
    try {
      loadConfig({ SIGNING_SECRET: "short-secret" });
      expect.unreachable();
    } catch (e) {
      expect(String(e)).toMatch(/SIGNING_SECRET must be at least 32 characters/);
      expect(String(e)).not.toContain("short-secret");
    }
  });
});
