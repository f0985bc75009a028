import type { Decision } from "@rune/mrs-core";
import {
  type Answer,
  type CapabilityView,
  type CatalogReader,
  localReader,
  type ModuleView,
  remoteReader,
} from "../catalog.js";
import { bold, dim, EXIT, Exit, formatIssue, green, printable, printJson, red, say, yellow } from "../output.js";
import { describeSchema } from "../schema-fields.js";

/** Options every reading command takes. */
export interface ReadOptions {
  readonly json?: boolean;
  readonly url?: string;
  readonly token?: string;
  readonly config?: string;
}

async function withReader<T>(options: ReadOptions, body: (reader: CatalogReader) => Promise<T>): Promise<T> {
  const token = options.token ?? process.env.LOM_TOKEN;
  const reader = options.url
    ? remoteReader({ url: options.url, token })
    : await localReader({ config: options.config });
  try {
    return await body(reader);
  } finally {
    await reader.close();
  }
}

/** Prints an answer's errors and stops with exit 1 when it is a fault; returns the value otherwise. */
function unwrap<T>(answer: Answer<T>, options: ReadOptions): T {
  if (answer.ok) return answer.value;
  if (options.json) printJson({ errors: answer.errors });
  else for (const e of answer.errors) say(formatIssue(e));
  throw new Exit(EXIT.failed);
}

/** `lom modules` */
export function modulesCommand(options: ReadOptions): Promise<void> {
  return withReader(options, async (reader) => {
    const modules = unwrap(await reader.modules(), options);
    if (options.json) return printJson({ modules });
    if (modules.length === 0) return say("no modules in the catalog");
    for (const m of modules) {
      const actions = m.capabilities.map((c) => (c as { action: string }).action).join(", ");
      say(`${bold(m.module_name)} ${m.module_version}  ${lifeOf(m)}  ${dim(m.source)}`);
      say(`  ${actions}`);
    }
  });
}

/** A module's state and lease as one short text (RULES.md L1, L3): `live`, `live, lease 60 s until ...`, `expired`. */
function lifeOf(m: ModuleView): string {
  const state = m.state === "expired" ? red("expired") : green("live");
  if (m.lease === undefined) return state;
  const until = m.state === "expired" ? "removed at" : "until";
  return `${state}${dim(`, lease ${m.lease.seconds} s ${until} ${m.lease.expires_at}`)}`;
}

/** `lom capabilities` */
export function capabilitiesCommand(options: ReadOptions): Promise<void> {
  return withReader(options, async (reader) => {
    const capabilities = unwrap(await reader.capabilities(), options);
    if (options.json) return printJson({ capabilities });
    if (capabilities.length === 0) return say("no capabilities in the catalog");
    const width = Math.max(...capabilities.map((c) => c.address.length));
    for (const c of capabilities) say(`${c.address.padEnd(width)}  ${dim(c.description)}`);
  });
}

/** `lom describe ACTION` */
export function describeCommand(action: string, options: ReadOptions): Promise<void> {
  return withReader(options, async (reader) => {
    const capability = unwrap(await reader.capability(action), options);
    if (options.json) return printJson(capability);
    printCapability(capability);
    const module = await reader.module(capability.module);
    if (module.ok) {
      say();
      say(`${bold("module:")} ${capability.module}@${capability.version}  ${lifeOf(module.value)}`);
    }
  });
}

function printCapability(c: CapabilityView): void {
  say(`${bold(c.address)}  ${dim(`${c.module}@${c.version}`)}`);
  say(c.description);
  for (const [title, schema] of [
    ["input", c.input_schema],
    ["output", c.output_schema],
  ] as const) {
    say();
    say(bold(`${title}:`));
    const fields = describeSchema(schema);
    if (fields.length === 0) say(dim("  (no fields)"));
    for (const f of fields) {
      const flags = [
        f.type,
        f.required ? "required" : "optional",
        f.format ? `format ${f.format}` : "",
        f.enum ? `one of ${f.enum}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      say(`  ${f.path}  ${dim(flags)}${f.description ? `\n      ${f.description}` : ""}`);
    }
  }
}

/** `lom why MODULE` */
export function whyCommand(module: string, options: ReadOptions): Promise<void> {
  return withReader(options, async (reader) => {
    const decisions = unwrap(await reader.decisions(module), options);
    if (options.json) {
      printJson({ module, decisions });
    } else if (decisions.length === 0) {
      say(`no decision about ${module} in the current session`);
    } else {
      for (const d of decisions) printDecision(d);
    }
    if (decisions.length === 0) throw new Exit(EXIT.failed);
  });
}

export function printDecision(d: Decision): void {
  const outcome =
    d.outcome === "rejected" ? red("rejected") : d.outcome === "upgraded" ? yellow("upgraded") : green("accepted");
  const version = d.version ?? "?";
  const from = d.previousVersion ? ` (from ${d.previousVersion})` : "";
  const name = printable(`${d.module ?? "(unnamed)"}@${version}`);
  say(`${dim(d.at)} ${outcome} ${name}${from}  ${dim(`from ${printable(d.source)}`)}`);
  for (const issue of [...d.errors, ...d.warnings]) say(formatIssue(issue, "    "));
}
