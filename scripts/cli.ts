// What the command-line imports share: a usage error (exit code 2), the yes/no question, and how
// an error message is shown on one line.
import { createInterface } from "node:readline";

/** Bad arguments: the message is shown as it is, with the usage line. */
export class UsageError extends Error {}

/** One line from standard input (the answer to the question), or "" when it closes first. */
export function ask(question: string): Promise<string> {
  process.stdout.write(question);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once("close", () => {
      if (!answered) resolve("");
    });
  });
}

export const oneLine = (text: string) => text.replace(/\s*\n+\s*/g, " ");
