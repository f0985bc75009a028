import { type CatalogReader, localReader, remoteReader } from "../catalog.js";
import { EXIT, Exit, formatIssue, green, printJson, red, say } from "../output.js";
import { paramsToInput } from "../params.js";
import type { ReadOptions } from "./read.js";

/** `lom validate-input ACTION K=V...`: converts the parameters to the schema's types, then validates (MRS-I1). */
export async function validateInputCommand(
  action: string,
  params: readonly string[],
  options: ReadOptions,
): Promise<void> {
  const token = options.token ?? process.env.LOM_TOKEN;
  const reader: CatalogReader = options.url
    ? remoteReader({ url: options.url, token })
    : await localReader({ config: options.config });
  try {
    const capability = await reader.capability(action);
    if (!capability.ok) {
      if (options.json) printJson({ valid: false, errors: capability.errors });
      else for (const e of capability.errors) say(formatIssue(e));
      throw new Exit(EXIT.failed);
    }
    const { input, faults } = paramsToInput(params, capability.value.input_schema);
    if (faults.length > 0) {
      for (const f of faults) say(red(`${f.param}: ${f.message}`));
      throw new Exit(EXIT.usage);
    }
    const answer = await reader.validate(capability.value.address, { input });
    const check = answer.ok ? answer.value : { valid: false as const, errors: answer.errors };
    if (options.json) printJson({ input, ...check });
    else if (check.valid) say(`${green("✓ valid")} input for ${capability.value.address}`);
    else {
      say(`${red("✗ invalid")} input for ${capability.value.address}`);
      for (const e of check.errors) say(formatIssue(e));
    }
    if (!check.valid) throw new Exit(EXIT.failed);
  } finally {
    await reader.close();
  }
}
