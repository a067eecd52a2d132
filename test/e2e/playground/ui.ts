import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { ROOT, type Playground } from "./stack.js";

/** A person in front of one Agents Playground page: what they click and type, and what they read.
 *  Locators go by what is on screen (labels, button titles, texts); the only class names used are
 *  the Adaptive Cards renderer's (`.ac-adaptiveCard` to tell one card from the next, `.ac-container`
 *  for one row of a card). */

export const SHOTS_DIR = path.join(ROOT, "test-results/e2e");

/** How long the bot and the Playground get to show something (an answer takes well under a second). */
export const ANSWER_MS = 15_000;

export class Person {
  /** When the Playground last pushed something to the page (a message, an update of a card). */
  private lastPush = Date.now();
  readonly errors: string[] = [];

  private constructor(
    readonly page: Page,
    readonly name: string,
  ) {}

  /** Opens the Playground as its current user. The page takes 5 to 7 s to load: keep it for the journey. */
  static async open(browser: Browser, pg: Playground, name: string): Promise<Person> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    // Offline and fast: the page asks a CDN for fonts; refuse anything but the Playground itself.
    await context.route(/^https?:\/\/(?!(127\.0\.0\.1|localhost)[:/])/, (route) => route.abort());
    const page = await context.newPage();
    page.setDefaultTimeout(ANSWER_MS);
    const person = new Person(page, name);
    page.on("pageerror", (err) => person.errors.push(err.message));
    page.on("websocket", (ws) => {
      if (ws.url().includes("/conversations/stream")) ws.on("framereceived", () => (person.lastPush = Date.now()));
    });
    await page.goto(pg.url, { waitUntil: "networkidle", timeout: 60_000 });
    // The user's name comes from the committed configuration once the page has read it.
    await page.getByRole("toolbar").getByText(name, { exact: true }).waitFor({ timeout: 30_000 });
    // The log panel takes a third of the screen: close it, as one does.
    await page.getByRole("button", { name: "Hide log panel" }).click();
    return person;
  }

  /** Chooses a conversation in the left pane ("Personal Chat", "MLDS Bassin Nord - General"...). */
  async openConversation(name: string): Promise<void> {
    await this.page.getByRole("treeitem", { name }).click();
  }

  /** The compose box of a chat (the last editable box on the page; card inputs are plain inputs). */
  private composeBox(): Locator {
    return this.page.locator("[contenteditable=true][role=textbox]").last();
  }

  /** Types a message in the open chat and sends it. */
  async say(text: string): Promise<void> {
    await this.composeBox().click();
    await this.page.keyboard.type(text);
    await this.page.getByRole("button", { name: "Send Message" }).last().click();
  }

  /** Sends a message in the open group chat mentioning the bot first (picked in the "@" menu): in
   *  a group chat the bot hears only the messages that mention it. */
  async sayMentioning(bot: string, text: string): Promise<void> {
    await this.composeBox().click();
    await this.page.keyboard.type("@");
    await this.page.getByRole("menuitem", { name: bot }).click();
    await this.page.keyboard.type(` ${text}`);
    await this.page.getByRole("button", { name: "Send Message" }).last().click();
  }

  /** Starts a new post in the open channel, mentioning the bot first (picked in the "@" menu). */
  async postMentioning(bot: string, text: string): Promise<Locator> {
    const newPost = this.page.getByRole("group").filter({ has: this.page.getByRole("button", { name: "Post" }) });
    await newPost.getByRole("textbox").click();
    await this.page.keyboard.type("@");
    await this.page.getByRole("menuitem", { name: bot }).click();
    await this.page.keyboard.type(` ${text}`);
    await newPost.getByRole("button", { name: "Post" }).click();
    // The newest post is the first one under the box; this person wrote it.
    const post = this.posts(`${bot} ${text}`)
      .filter({ has: this.page.getByText(this.name, { exact: true }) })
      .first();
    await post.waitFor();
    return post;
  }

  /** Channel posts (each with its thread of replies) whose text contains `text`. */
  posts(text: string | RegExp): Locator {
    return this.page
      .getByRole("group")
      .filter({ hasNot: this.page.getByRole("button", { name: "Post" }) })
      .filter({ hasText: text });
  }

  /** The latest card in the open conversation that contains `text`. */
  card(text: string | RegExp): Locator {
    return this.page.locator(".ac-adaptiveCard").filter({ hasText: text }).last();
  }

  /** Does `action` and returns the card the bot sends in answer, the first one containing `text`
   *  that was not on the page before (earlier cards of the same kind stay in the chat). */
  async newCard(text: string | RegExp, action: () => Promise<void>): Promise<Locator> {
    const cards = this.page.locator(".ac-adaptiveCard").filter({ hasText: text });
    const before = await cards.count();
    await action();
    await expect.poll(() => cards.count(), { message: `a new card showing «${String(text)}»`, timeout: ANSWER_MS }).toBeGreaterThan(before);
    return cards.nth(before);
  }

  /** The latest paragraph in the open conversation that contains `text` (a bot's text answer). */
  paragraph(text: string | RegExp): Locator {
    return this.page.getByRole("paragraph").filter({ hasText: text }).last();
  }

  /** Waits until the Playground has pushed nothing to the page for a while, counted from now: the
   *  bot's queued sends (channel posts, card updates, notifications) go out within about a second
   *  of the change that queued them. */
  async settled(quietMs = 1_500, maxMs = 15_000): Promise<void> {
    const start = Date.now();
    while (Date.now() - Math.max(this.lastPush, start) < quietMs && Date.now() - start < maxMs) {
      await this.page.waitForTimeout(100);
    }
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SHOTS_DIR, { recursive: true });
    const file = path.join(SHOTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

/** Waits until a locator's visible text contains every one of `texts` (and none of `absent`). */
export async function expectText(
  locator: Locator,
  texts: (string | RegExp)[],
  opts: { absent?: (string | RegExp)[]; timeout?: number; message?: string } = {},
): Promise<void> {
  const read = async () => (await locator.innerText({ timeout: 1_000 }).catch(() => "")).replace(/\s+/g, " ");
  const ok = (s: string) =>
    texts.every((t) => (typeof t === "string" ? s.includes(t) : t.test(s))) &&
    (opts.absent ?? []).every((t) => (typeof t === "string" ? !s.includes(t) : !t.test(s)));
  const deadline = Date.now() + (opts.timeout ?? ANSWER_MS);
  let seen = await read();
  while (!ok(seen) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await read();
  }
  const wanted = `${texts.map(String).join(" + ")}${opts.absent?.length ? ` and not ${opts.absent.map(String).join(", ")}` : ""}`;
  expect(ok(seen), `${opts.message ? `${opts.message}: ` : ""}expected ${wanted}; the page shows: «${seen.slice(0, 1500)}»`).toBe(true);
}

/** Keeps a picture for the README or a guide of docs/guides/ (with E2E_UPDATE_DOCS=1 only): the chat column (without the left
 *  pane), scaled down to 800 px wide by the browser itself. */
export async function docsPicture(browser: Browser, person: Person, file: string): Promise<void> {
  if (process.env.E2E_UPDATE_DOCS !== "1") return;
  const shot = await person.page.screenshot({ clip: { x: 330, y: 48, width: 920, height: 852 } });
  const scaler = await browser.newPage();
  try {
    await scaler.setContent(
      `<html><body style="margin:0"><img style="display:block;width:800px" src="data:image/png;base64,${shot.toString("base64")}"></body></html>`,
    );
    mkdirSync(path.dirname(file), { recursive: true });
    await scaler.locator("img").screenshot({ path: file });
  } finally {
    await scaler.close();
  }
}
