import { mrsClient } from "@rune/mrs-adapter-http/client";
import { EXIT, Exit, formatIssue, printJson, say } from "../output.js";

/** `lom refresh`: asks a running LOM for a new session (re-discovery). */
export async function refreshCommand(options: { url: string; token?: string; json?: boolean }): Promise<void> {
  const token = options.token ?? process.env.LOM_TOKEN;
  const client = mrsClient({ url: options.url, ...(token ? { token } : {}) });
  const answer = await client.refresh();
  if (options.json) printJson(answer.ok ? answer.value : { errors: answer.errors });
  else if (answer.ok) say(`new session ${(answer.value as { id?: string }).id ?? ""}`.trim());
  else for (const e of answer.errors) say(formatIssue(e));
  if (!answer.ok) throw new Exit(EXIT.failed);
}
