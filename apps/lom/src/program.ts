import { readFileSync } from "node:fs";
import { registrationJsonSchema } from "@rune/mrs-schema";
import { Command, CommanderError, Option } from "commander";
import { NoSession } from "./catalog.js";
import { deregisterCommand } from "./commands/deregister.js";
import { DIFF_HELP, diffCommand } from "./commands/diff.js";
import { capabilitiesCommand, describeCommand, modulesCommand, type ReadOptions, whyCommand } from "./commands/read.js";
import { refreshCommand } from "./commands/refresh.js";
import { startCommand } from "./commands/start.js";
import { validateCommand } from "./commands/validate.js";
import { validateInputCommand } from "./commands/validate-input.js";
import { ConfigError } from "./config.js";
import { EXIT, Exit, printJson, red, warn } from "./output.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
const DEFAULT_URL = "http://127.0.0.1:7420";

/** What the entry that runs `lom` may ask to hear of. */
export interface MainHooks {
  /** `lom start` is ready (the API listening, discovery over): the work it starts with is done. */
  readonly started?: () => void;
}

/** The `lom` program. Exported for tests; `main` runs it. */
export function program(hooks: MainHooks = {}): Command {
  const lom = new Command("lom")
    .description("The RUNE LOM module registry: discover, validate and serve the catalog of modules (RUNE MRS).")
    .version(version)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes: 0 success, 1 invalid / not found / rejected, 2 usage or configuration error.
Examples:
  lom start                              run on the shipped examples, file store under .lom/
  lom start --config lom.config.json     run on a config (sources, store, listen, tokens)
  lom validate modules/*.json            check manifests without a running LOM
  lom capabilities --url ${DEFAULT_URL}
  lom why vault-secrets`,
    );

  // Options of every reading command: --json, and where to read from.
  const reading = (command: Command) =>
    command
      .option("--json", "machine output: JSON on stdout, nothing else")
      .option("--url <url>", "read from a running LOM instead of the local store")
      .option("--token <token>", "bearer token for --url when reading is closed (default: $LOM_TOKEN)")
      .option("--config <file>", "config naming the local store (default: ./lom.config.json if present)");

  lom
    .command("start")
    .description(
      "resume (or open) the session, discover modules, serve the HTTP API and dashboard until SIGINT/SIGTERM",
    )
    .option("--config <file>", "lom.config.json (default: the embedded defaults: shipped examples, file store .lom/)")
    .option("--refresh", "open a new session instead of resuming the store's")
    .option("--listen <host:port>", 'override the config\'s listen address (default "127.0.0.1:7420")')
    .addOption(
      new Option("--log <format>", "pretty progress or JSON log lines (default: pretty on a terminal)").choices([
        "pretty",
        "json",
      ]),
    )
    .action((options) => startCommand(options, hooks.started));

  lom
    .command("validate")
    .description("check manifest files (one payload each) without a running LOM")
    .argument("<file...>", "manifest files")
    .option("--json", 'machine output: {"results":[{file, valid, errors}]}')
    .action((files: string[], options: { json?: boolean }) => validateCommand(files, options));

  lom
    .command("diff")
    .description("compare two versions of a module's payload: what breaks callers, and whether the version says so")
    .argument("<old>", "the manifest of the version callers use now")
    .argument("<new>", "the manifest of the version that replaces it")
    .option("--json", 'machine output: {"breaking", "declared", "differences": [...]}')
    .addHelpText("after", DIFF_HELP)
    .action((oldFile: string, newFile: string, options: { json?: boolean }) => diffCommand(oldFile, newFile, options));

  reading(lom.command("modules").description("list the catalog's modules")).action((o: ReadOptions) =>
    modulesCommand(o),
  );
  reading(lom.command("capabilities").description("list every capability as module/action")).action((o: ReadOptions) =>
    capabilitiesCommand(o),
  );
  reading(
    lom
      .command("describe")
      .description("show one capability with its input and output schemas")
      .argument("<action>", "bare action, or module/action"),
  ).action((action: string, o: ReadOptions) => describeCommand(action, o));
  reading(
    lom
      .command("why")
      .description("the decisions recorded for a module name in the current session")
      .argument("<module>", "module name"),
  ).action((module: string, o: ReadOptions) => whyCommand(module, o));
  reading(
    lom
      .command("validate-input")
      .description("check an action's input given as KEY=VALUE parameters (converted to the schema's types)")
      .argument("<action>", "bare action, or module/action")
      .argument("[params...]", "KEY=VALUE parameters"),
  ).action((action: string, params: string[], o: ReadOptions) => validateInputCommand(action, params, o));

  lom
    .command("refresh")
    .description("ask a running LOM for a new session (re-discovery)")
    .option("--url <url>", "the LOM", DEFAULT_URL)
    .option("--token <token>", "bearer token (default: $LOM_TOKEN)")
    .option("--json", "machine output")
    .action((options) => refreshCommand(options));

  lom
    .command("deregister")
    .description("take a module out of a running LOM's catalog at once (a recorded decision)")
    .argument("<module>", "module name")
    .option("--url <url>", "the LOM", DEFAULT_URL)
    .option("--token <token>", "bearer token granted that name (default: $LOM_TOKEN)")
    .option("--json", "machine output: the decision, or the errors")
    .action((name: string, options) => deregisterCommand(name, options));

  lom
    .command("schema")
    .description("print the registration payload's JSON Schema")
    .action(() => printJson(registrationJsonSchema));

  return lom;
}

/** Runs `lom` with `argv` and returns the exit code. */
export async function main(argv: readonly string[], hooks: MainHooks = {}): Promise<number> {
  try {
    await program(hooks).parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      warn(red(`lom: invalid config ${error.file}`));
      for (const f of error.faults) warn(`  ${f.pointer || "/"}: ${f.message}${f.hint ? ` (hint: ${f.hint})` : ""}`);
      return EXIT.usage;
    }
    if (error instanceof NoSession) {
      warn(red(`lom: ${error.message}`));
      return EXIT.failed;
    }
    warn(red(`lom: ${(error as Error).stack ?? String(error)}`));
    return EXIT.failed;
  }
}
