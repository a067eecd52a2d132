import net from "node:net";

/** One connection through the proxy; `pending` holds what the bot sent while it was held or stalled. */
type Link = { client: net.Socket; upstream: net.Socket; pending: Buffer[] };

function flush(link: Link): void {
  while (link.pending.length > 0 && !link.upstream.destroyed) link.upstream.write(link.pending.shift()!);
}

/** A TCP proxy in front of a database (PostgreSQL, or the embedded PGlite socket) that a test can
 *  break the way networks break, without touching the server other tests use:
 *  - `cut()`: the database is gone (connections drop, new ones are refused), `restore()` brings it back;
 *  - `reset()`: every open connection is reset (RST), as a failover or a restarted router does;
 *  - `stall()`: nothing is forwarded any more, in either direction, and nothing is closed (a
 *    network partition: new connections are accepted and then hear nothing); `resume()` ends it;
 *  - `holdWhen(pattern)`: the connection on which the bot sends `pattern` (a statement's name or
 *    text) goes silent: what the bot sends from then on is held until `releaseHeld()`, what the
 *    server says is lost (a half-open connection). */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly links = new Set<Link>();
  private stalled = false;
  private held: { pattern: string; links: Set<Link>; resolveSeen: () => void; seen: Promise<void> } | null = null;
  port = 0;

  constructor(
    private readonly targetPort = 5432,
    private readonly targetHost = "127.0.0.1",
  ) {}

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = net.createServer((client) => this.accept(client));
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Connections open through the proxy now. */
  get connections(): number {
    return this.links.size;
  }

  /** The local ports of the proxy's connections to the server: PostgreSQL's pg_stat_activity
   *  shows them as client_port, which picks out the backends of the bot behind this proxy. */
  upstreamPorts(): number[] {
    return [...this.links].map((l) => l.upstream.localPort).filter((p): p is number => typeof p === "number");
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    const link: Link = { client, upstream, pending: [] };
    this.links.add(link);
    for (const s of [client, upstream]) {
      s.on("error", () => s.destroy());
      s.on("close", () => {
        // A held connection is half-open: the bot does not hear that the server went.
        if (s === upstream && this.held?.links.has(link)) return;
        this.links.delete(link);
        this.held?.links.delete(link);
        (s === client ? upstream : client).destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      const hold = this.held;
      if (hold && !hold.links.has(link) && chunk.includes(hold.pattern)) {
        hold.links.add(link);
        hold.resolveSeen();
      }
      if (this.stalled || hold?.links.has(link)) link.pending.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      // A partition loses what the server says; answers never arrive.
      if (!this.stalled && !this.held?.links.has(link)) client.write(chunk);
    });
  }

  /** The database becomes unreachable: open connections drop, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const l of this.links) {
      l.client.destroy();
      l.upstream.destroy();
    }
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The database is back, on the same port. */
  async restore(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** Every open connection is reset (TCP RST to the bot; the server sees its client vanish). */
  reset(): void {
    for (const l of this.links) {
      l.client.resetAndDestroy();
      l.upstream.destroy();
    }
  }

  /** Stops forwarding without closing anything (a partition). */
  stall(): void {
    this.stalled = true;
  }

  /** Ends a stall: what the bot sent meanwhile goes through; what the server answered is lost. */
  resume(): void {
    this.stalled = false;
    for (const l of this.links) flush(l);
  }

  /** Holds the connection that next sends `pattern`; resolves `seen` when it did. */
  holdWhen(pattern: string): { seen: Promise<void> } {
    let resolveSeen = () => {};
    const seen = new Promise<void>((resolve) => (resolveSeen = resolve));
    this.held = { pattern, links: new Set(), resolveSeen, seen };
    return { seen };
  }

  /** Lets held connections go on (what they sent reaches the server now). */
  releaseHeld(): void {
    const held = this.held;
    this.held = null;
    for (const l of held?.links ?? []) flush(l);
  }

  /** Resets the held connections instead: the server never sees what was held. */
  resetHeld(): void {
    const held = this.held;
    this.held = null;
    for (const l of held?.links ?? []) {
      l.client.resetAndDestroy();
      l.upstream.destroy();
    }
  }

  async stop(): Promise<void> {
    this.stalled = false;
    this.held = null;
    await this.cut();
  }
}
