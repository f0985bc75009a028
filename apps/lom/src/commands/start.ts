import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createMrsServer, mrsMetrics } from "@rune/mrs-adapter-http";
import { createRegistry, type Decision, type DiscoveryReport, MrsFailure } from "@rune/mrs-core";
import pino from "pino";
import { openSources, openStore, shippedExamples } from "../compose.js";
import { loadConfig, parseListen } from "../config.js";
import { bold, dim, EXIT, Exit, formatIssue, green, printable, red, say, warn, yellow } from "../output.js";
import { StartupProgress } from "../startup.js";

/** Options of `lom start`. */
export interface StartOptions {
  readonly config?: string;
  readonly refresh?: boolean;
  /** Overrides the config's `listen`. */
  readonly listen?: string;
  /** `pretty` (progress for people) or `json` (pino lines for machines). Default: pretty on a terminal. */
  readonly log?: "pretty" | "json";
}

/**
 * `lom start`: listen first (`/healthz` answers 503 saying what it waits for), then resume (or
 * open) the store's session and discover; serve the API and the dashboard until SIGINT/SIGTERM,
 * then close cleanly (requests in flight finish, the store stays whole). `onReady` is called once
 * ready.
 */
export async function startCommand(options: StartOptions, onReady?: () => void): Promise<void> {
  surviveFileSizeLimit();
  // The shipped examples are looked up only when they are used: with no config file.
  const examples = options.config === undefined ? shippedExamples() : [];
  const loaded = loadConfig(options.config, { examples });
  const config = options.listen === undefined ? loaded : { ...loaded, ...parseListen(options.listen) };
  const json = (options.log ?? (process.stdout.isTTY ? "pretty" : "json")) === "json";
  const logger = pino(
    { name: "lom", redact: ["req.headers.authorization"] },
    json ? process.stdout : pino.destination(2),
  );
  const pretty = json ? () => undefined : say;

  const progress = new StartupProgress();
  const sources = progress.track(openSources(config));
  // GET /metrics: this process's series, with the store's commits timed (the core knows nothing of it).
  const metrics = mrsMetrics({ process: true });
  const store = metrics.timeStore(await openStore(config));
  const registry = createRegistry({
    store,
    sources,
    compatibility: config.compatibility,
    leases: config.leases,
  });
  const server = createMrsServer({
    registry,
    // Lets another LOM use this one as its store (`store: "http://..."`), through /v1/store.
    store,
    tokens: config.tokens,
    read: config.read,
    // Upgrades other writers commit through /v1/store/commit are held to this LOM's policy too (C2).
    compatibility: config.compatibility,
    // Listening comes first: until discovery is over, /healthz says what it waits for, and
    // writes answer 503 rather than reach a session discovery has not resumed yet.
    startup: () => progress.reason(),
    metrics,
    logger: json ? { level: "info", stream: process.stdout } : false,
  });
  serveDashboard(server);
  try {
    await server.listen({ host: config.host, port: config.port });
  } catch (error) {
    warn(red(`lom: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`));
    await registry.close().catch(() => undefined);
    throw new Exit(EXIT.usage);
  }
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`;
  const stopSignal = whenStopAsked();
  logger.info({ url }, "listening: /healthz answers 503 until discovery is over");

  pretty(`${bold("lom")} discovering from ${sources.length} source${sources.length === 1 ? "" : "s"}`);
  for (const s of config.sources) pretty(dim(`  ${"folder" in s ? s.folder : s.url}`));
  pretty(dim(`  store: ${config.store}`));
  pretty(dim(`  listening on ${url} (/healthz: 503 until ready)`));

  const started = await Promise.race([
    registry.start({ refresh: options.refresh === true }).then(
      (report) => ({ report }),
      (error: unknown) => ({ error }),
    ),
    stopSignal.then((signal) => ({ signal })),
  ]);
  if ("signal" in started) {
    if (progress.discovering) {
      // Asked to stop while sources are still asked (a module URL that hangs): nothing has
      // been written yet, so there is nothing to wait for. The process ends now, not when the
      // slowest URL gives up.
      pretty(dim(`\n${started.signal}: stopping before discovery is over; nothing was written`));
      logger.info({ signal: started.signal }, "stopped while discovering");
      await server.close().catch(() => undefined);
      return;
    }
    // Asked to stop while the store is being written: the commit finishes whole (registry.close
    // waits for the store work in flight), then the process ends cleanly.
    await shutDown(started.signal);
    return;
  }
  if ("error" in started) {
    const { error } = started;
    const errors = error instanceof MrsFailure ? error.errors : [];
    warn(red(`lom: cannot start on the store ${config.store}`));
    for (const e of errors) warn(formatIssue(e));
    if (errors.length === 0) warn(`  ${(error as Error).message}`);
    logger.error({ store: config.store, errors, err: errors.length ? undefined : error }, "store unusable");
    await server.close().catch(() => undefined);
    await registry.close().catch(() => undefined);
    throw new Exit(EXIT.failed);
  }
  const { report } = started;
  progress.started();
  metrics.discovery(report);
  printReport(report, pretty);
  await logDecisions(logger, report.decisions);

  pretty();
  pretty(`${green("ready")}  dashboard ${bold(`${url}/`)}`);
  pretty(`       API       ${url}/v1/modules  ${dim(`(OpenAPI: ${url}/openapi.json)`)}`);
  pretty(dim("       stop with Ctrl-C"));
  logger.info({ url, session: report.session.id }, "ready");
  onReady?.();

  await shutDown(await stopSignal);

  async function shutDown(signal: NodeJS.Signals): Promise<void> {
    pretty(dim(`\n${signal}: finishing requests in flight, closing the store`));
    logger.info({ signal }, "shutting down");
    // fastify's close waits for requests in flight; then the store is closed, whole.
    await server
      .close()
      .then(() => registry.close())
      .catch((error: unknown) => logger.error({ err: error }, "shutdown"));
  }
}

/** How many decision lines are logged between two turns of the event loop. */
const LOG_SLICE = 250;

/**
 * One log line per decision of the discovery, in order. `/healthz` already answers 200: the
 * lines go out a slice at a time, so that the API answers between slices rather than after all
 * of them (~10 µs a line: 10,000 modules would hold the event loop for a tenth of a second).
 */
async function logDecisions(logger: pino.Logger, decisions: readonly Decision[]): Promise<void> {
  for (let start = 0; start < decisions.length; start += LOG_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const decision of decisions.slice(start, start + LOG_SLICE)) {
      logger.info({ decision }, `discovery ${decision.outcome}`);
    }
  }
}

/** The first SIGINT or SIGTERM; later ones are left to the shutdown already under way. */
function whenStopAsked(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let asked = false;
    const stop = (signal: NodeJS.Signals) => {
      if (asked) return;
      asked = true;
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * Under a file-size limit (`ulimit -f`, RLIMIT_FSIZE) a write past the limit raises SIGXFSZ, whose
 * default action ends the process (and dumps core) before the write can fail. With the signal
 * handled, the write fails with EFBIG instead: that registration answers `STORE_UNAVAILABLE`
 * (RULES S11, HTTP 503) naming EFBIG, nothing half-written, and the LOM serves on, as it does on
 * a full disk (ENOSPC). Only `lom start` writes files for long enough to need it.
 */
function surviveFileSizeLimit(): void {
  if (process.platform === "win32") return;
  process.on("SIGXFSZ", () => undefined);
}

function printReport(report: DiscoveryReport, print: (line?: string) => void): void {
  const count = (outcome: Decision["outcome"]) => report.decisions.filter((d) => d.outcome === outcome).length;
  print(
    `${report.resumed ? "resumed" : "opened"} session ${report.session.id}: ` +
      `${green(`${count("accepted")} accepted`)}, ${yellow(`${count("upgraded")} upgraded`)}, ${red(`${count("rejected")} rejected`)}, ${dim(`${report.unchanged} unchanged`)}`,
  );
  for (const d of report.decisions) {
    const name = printable(`${d.module ?? "(unnamed)"}${d.version ? `@${d.version}` : ""}`);
    if (d.outcome === "accepted") print(`  ${green("+")} ${name}`);
    else if (d.outcome === "upgraded") print(`  ${yellow("↑")} ${name} ${dim(`(from ${d.previousVersion})`)}`);
    else {
      print(`  ${red("✗")} ${name} ${dim(printable(d.source))}`);
      for (const e of d.errors) print(formatIssue(e, "      "));
    }
  }
}

/** Serves the dashboard's built files at `/` when they are there. */
function serveDashboard(server: ReturnType<typeof createMrsServer>): void {
  const index = fileURLToPath(new URL("../dashboard/index.html", import.meta.url));
  server.get("/", async (_request, reply) => {
    const html = existsSync(index) ? readFileSync(index, "utf8") : "<!doctype html><title>lom</title><p>lom</p>";
    return reply.type("text/html; charset=utf-8").send(html);
  });
}
