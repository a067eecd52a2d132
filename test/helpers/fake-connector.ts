import http from "node:http";
import type { AddressInfo } from "node:net";

export type SentActivity = {
  method: string;
  path: string;
  conversationId: string;
  replyToId?: string;
  activityId?: string;
  /** When the request arrived (Date.now()). */
  at: number;
  body: Record<string, unknown> & { type?: string; text?: string; attachments?: { contentType: string; content: any }[] };
};

export type ConnectorReply = { status: number; headers?: Record<string, string>; body?: unknown };

/** A stand-in for the Bot Framework connector (Teams' side): records what the bot sends and
 *  answers like Teams does; `respond` can simulate throttling and failures. */
export class FakeConnector {
  readonly sent: SentActivity[] = [];
  respond: (a: SentActivity) => ConnectorReply = () => ({ status: 200 });
  /** Answers this late, like a busy Teams (lets a test catch sends in flight). */
  delayMs = 0;
  /** Or this late for this request (a slow channel among quick chats). */
  delayOf: ((a: SentActivity) => number) | null = null;
  /** What the members API (TeamsInfo.getMember) answers, by user id ("29:…"): a person of the
   *  conversation with their userPrincipalName and email, or a status (403, 500) for a failure.
   *  An id not listed gets 404. These requests are not kept in `sent`. */
  readonly members = new Map<string, Record<string, unknown> | { status: number }>();
  /** Refuses connections, like a Teams that is down (the requests never arrive). */
  down = false;
  private server = http.createServer((req, res) => this.handle(req, res));
  private counter = 0;
  url = "";

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  clear(): void {
    this.sent.length = 0;
  }

  /** Cards sent, in order (the content of Adaptive Card attachments). */
  cards(): any[] {
    return this.sent.flatMap((a) =>
      (a.body.attachments ?? []).filter((x) => x.contentType === "application/vnd.microsoft.card.adaptive").map((x) => x.content),
    );
  }

  texts(): string[] {
    return this.sent.map((a) => a.body.text).filter((t): t is string => typeof t === "string");
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const at = Date.now();
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const path = decodeURIComponent(req.url ?? "");
      const memberAsked = req.method === "GET" ? /\/v3\/conversations\/[^/]+\/members\/([^/?]+)/.exec(path) : null;
      if (memberAsked) {
        const member = this.members.get(memberAsked[1]!);
        const status = member === undefined ? 404 : typeof member.status === "number" ? member.status : 200;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(status === 200 ? member : { error: { code: "NotFound", message: "member not found" } }));
        return;
      }
      const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?/.exec(path);
      const body = raw ? JSON.parse(raw) : {};
      const activity: SentActivity = {
        method: req.method ?? "",
        path,
        conversationId: m?.[1] ?? "",
        at,
        ...(req.method === "PUT" ? { activityId: m?.[2] } : { replyToId: m?.[2] }),
        body,
      };
      this.sent.push(activity);
      const reply = this.respond(activity);
      const answer = () => {
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(JSON.stringify(reply.body ?? { id: `activity-${++this.counter}` }));
      };
      const delay = this.delayOf?.(activity) ?? this.delayMs;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  }
}
