import { mrsClient } from "@rune/mrs-adapter-http/client";
import { EXIT, Exit, formatIssue, printJson, say } from "../output.js";

/** `lom deregister NAME`: takes a module out of a running LOM's catalog at once (RULES.md L4). */
export async function deregisterCommand(
  name: string,
  options: { url: string; token?: string; json?: boolean },
): Promise<void> {
  const token = options.token ?? process.env.LOM_TOKEN;
  const client = mrsClient({ url: options.url, ...(token ? { token } : {}) });
  const answer = await client.deregister(name);
  if (options.json) printJson(answer.ok ? { decision: answer.value } : { errors: answer.errors });
  else if (answer.ok) say(`deregistered ${name}@${answer.value.version ?? "?"} (decision ${answer.value.id})`);
  else for (const e of answer.errors) say(formatIssue(e));
  if (!answer.ok) throw new Exit(EXIT.failed);
}
