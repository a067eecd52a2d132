import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

/** Settings that decide who may reach the bot and what it may fetch. */

const APP = { MicrosoftAppId: "11111111-2222-4333-8444-555555555555", MicrosoftAppPassword: "secret" };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("listening beyond this machine without authentication", () => {
  it("refuses to start on another interface than loopback without an app id", () => {
    for (const HOST of ["0.0.0.0", "::", "192.168.1.20", "repere.lan"]) {
      expect(problems({ HOST })).toEqual([
        `HOST ${HOST} is reachable from other machines but MicrosoftAppId is empty: requests would not be authenticated. Set MicrosoftAppId (and MicrosoftAppPassword), or ALLOW_UNAUTHENTICATED=true for a test network`,
      ]);
    }
  });

  it("starts on loopback in local mode, with an app id anywhere, or when told so explicitly", () => {
    for (const HOST of ["127.0.0.1", "localhost", "::1", "127.0.0.2"]) expect(loadConfig({ HOST }).exposedWithoutAuthentication).toBe(false);
    expect(loadConfig({ HOST: "0.0.0.0", ...APP }).exposedWithoutAuthentication).toBe(false);
    expect(loadConfig({ HOST: "0.0.0.0", ALLOW_UNAUTHENTICATED: "true" }).exposedWithoutAuthentication).toBe(true);
    expect(problems({ ALLOW_UNAUTHENTICATED: "yes" })[0]).toMatch(/^ALLOW_UNAUTHENTICATED must be true or false/);
  });
});

describe("hosts a list sent in Teams may be downloaded from", () => {
  it("are the hosts Teams keeps files on, by default", () => {
    expect(loadConfig({}).importDownloads).toEqual({ hosts: ["*.sharepoint.com"], allowLoopback: false });
  });

  it("can be set, and are checked", () => {
    expect(loadConfig({ IMPORT_DOWNLOAD_HOSTS: "*.sharepoint.com, Files.AC-Exemple.fr" }).importDownloads.hosts).toEqual([
      "*.sharepoint.com",
      "files.ac-exemple.fr",
    ]);
    expect(problems({ IMPORT_DOWNLOAD_HOSTS: "*.sharepoint.com,https://x.fr/,*" })).toEqual([
      'IMPORT_DOWNLOAD_HOSTS must be host names or *.domain patterns separated by commas (not "https://x.fr/", "*") (got "*.sharepoint.com,https://x.fr/,*")',
    ]);
  });

  it("include this machine's own addresses (the tests' file server) only in local mode, when told so", () => {
    expect(loadConfig({ IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true" }).importDownloads.allowLoopback).toBe(true);
    expect(problems({ IMPORT_DOWNLOAD_ALLOW_LOOPBACK: "true", ...APP })).toEqual([
      "IMPORT_DOWNLOAD_ALLOW_LOOPBACK is for local mode only (tests): it cannot be set with MicrosoftAppId",
    ]);
  });
});
