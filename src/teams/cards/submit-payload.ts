import { z } from "zod";
import { SubmitAction } from "./card-verbs.js";

/** What an Action.Submit sends: our routing fields, plus the card's inputs (left as they are,
 *  each step validates its own). Anything that does not carry a known action is not a submit. */
const SubmitPayload = z
  .object({
    action: SubmitAction,
    draftId: z.string().max(64).optional(),
    step: z.enum(["pupil", "signals", "steps"]).optional(),
  })
  .loose();
export type SubmitPayload = z.infer<typeof SubmitPayload>;

export function parseSubmit(value: unknown): SubmitPayload | null {
  const parsed = SubmitPayload.safeParse(value);
  return parsed.success ? parsed.data : null;
}
