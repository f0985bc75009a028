// Shared by the OpenAPI tests (not exported): the served document on disk, and the command line
// tools that read it (Redocly CLI, openapi-typescript, tsc) run offline.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This package's folder. */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A command of this package's `node_modules/.bin`. */
export const bin = (name: string) => join(packageDir, "node_modules", ".bin", name);

/** The workspace's TypeScript compiler (the root's devDependency). */
export const tsc = () => join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");

/**
 * Preloaded into every tool: a connection or a name lookup for anything but loopback is refused
 * and written down, so a test fails when a tool reaches out (telemetry, update checks, remote
 * `$ref`s) instead of passing on a machine that happens to have a network.
 */
const NO_NETWORK = `
const fs = require("node:fs");
const net = require("node:net");
const dns = require("node:dns");
const log = process.env.NO_NETWORK_LOG;
const loopback = (host) => host === undefined || host === "localhost" || /^127\\./.test(host) || host === "::1";
const refuse = (what) => {
  fs.appendFileSync(log, what + "\\n");
  throw new Error("no network in tests: " + what);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (typeof first === "object" && first !== null) host = first.path === undefined ? (first.host ?? "localhost") : undefined;
  else if (typeof first === "number" || /^\\d+$/.test(String(first))) host = typeof args[1] === "string" ? args[1] : "localhost";
  if (!loopback(host)) refuse("connect " + host);
  return connect.apply(this, args);
};
for (const api of [dns, dns.promises]) {
  for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny"]) {
    const original = api[name];
    api[name] = function (host, ...rest) {
      if (!loopback(host)) refuse("dns " + host);
      return original.call(this, host, ...rest);
    };
  }
}
`;

/** The environment that keeps Redocly CLI offline (its docs: "Usage data"; its update notice). */
export const REDOCLY_OFFLINE = { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } as const;

/** What a tool run said. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The connections and lookups it tried that would have left the machine. */
  readonly network: string[];
}

/** A temporary folder, removed by `remove()`. */
export interface Workspace {
  readonly dir: string;
  write(name: string, text: string): string;
  /** Runs `command args` in the folder, offline (see {@link NO_NETWORK}), with `env` added. */
  run(command: string, args: readonly string[], env?: Record<string, string>): Promise<Run>;
  remove(): void;
}

export function workspace(prefix: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const guard = join(dir, ".no-network.cjs");
  writeFileSync(guard, NO_NETWORK);
  let runs = 0;
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    run(command, args, env = {}) {
      runs += 1;
      const log = join(dir, `.network-${runs}.log`);
      return new Promise((resolve, reject) => {
        execFile(
          command,
          args,
          {
            cwd: dir,
            env: {
              ...process.env,
              ...env,
              NO_NETWORK_LOG: log,
              NODE_OPTIONS: `--require ${JSON.stringify(guard)}`,
              NO_COLOR: "1",
            },
            maxBuffer: 64 * 1024 * 1024,
          },
          (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof error.code === "number" ? error.code : Number.NaN;
            if (Number.isNaN(code)) return reject(error);
            const network = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
            resolve({ code, stdout, stderr, network });
          },
        );
      });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
