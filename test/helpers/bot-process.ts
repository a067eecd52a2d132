import { spawn, type ChildProcess } from "node:child_process";
import { serverNodeArgs } from "./server-bundle.js";
import net from "node:net";

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type BotProcess = { port: number; url: string; child: ChildProcess; output: () => string; exited: Promise<number | null> };

/** The bot as `npm start` runs it (the bundled src/main.ts), in a process of its own. `wrap` runs it through
 *  another command (the fault suite runs it in a mount namespace with a small disk). */
export async function startBotProcess(
  env: Record<string, string>,
  opts: { wrap?: (command: string, args: string[]) => [string, string[]]; stdin?: "ignore" | "pipe" } = {},
): Promise<BotProcess> {
  const port = await freePort();
  const node: [string, string[]] = [process.execPath, serverNodeArgs()];
  const [command, args] = opts.wrap ? opts.wrap(...node) : node;
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? "", CHECKPOINT_DISABLE: "1", LOG_LEVEL: "warn", PORT: String(port), ...env },
    stdio: [opts.stdin ?? "ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not yet listening */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bot did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, url, child, output: () => out, exited };
}
