import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type CompatibilityPolicy, DEFAULT_LEASE_BOUNDS, type LeaseBounds } from "@rune/mrs-core";
import Type, { type Static } from "typebox";
import { Compile } from "typebox/compile";

/** The listen address form: `host:port`. */
const LISTEN_PATTERN = "^(?:\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):\\d{1,5}$";

const closed = { additionalProperties: false } as const;
const ModuleGrant = Type.Array(Type.String({ minLength: 1 }), {
  minItems: 1,
  description: 'Module names the token may register; "*" for every name.',
});

/** `lom.config.json`, as INTERFACES.md describes it. */
export const LomConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    listen: Type.Optional(
      Type.String({ pattern: LISTEN_PATTERN, description: '"host:port", default "127.0.0.1:7420"' }),
    ),
    sources: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Object({ folder: Type.String({ minLength: 1 }) }, closed),
          Type.Object({ url: Type.String({ pattern: "^https?://" }) }, closed),
        ]),
      ),
    ),
    store: Type.Optional(
      Type.String({
        pattern: "^(?:memory|file:.+|https?://.+|postgres(?:ql)?://.+)$",
        description: '"memory", "file:PATH", "http://HOST:PORT" (another LOM) or "postgres://..."',
      }),
    ),
    tokens: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Object({ token: Type.String({ minLength: 1 }), modules: ModuleGrant }, closed),
          Type.Object({ env: Type.String({ minLength: 1 }), modules: ModuleGrant }, closed),
        ]),
      ),
    ),
    read: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("token")])),
    compatibility: Type.Optional(
      Type.Union([Type.Literal("warn"), Type.Literal("strict"), Type.Literal("off")], {
        description: "what an upgrade that breaks callers without declaring it gets (RULES.md C2), default warn",
      }),
    ),
    leases: Type.Optional(
      Type.Object(
        {
          min: Type.Optional(Type.Integer({ minimum: 1 })),
          max: Type.Optional(Type.Integer({ minimum: 1 })),
          grace: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { ...closed, description: "lease bounds in seconds (RULES.md L1, L3), default min 10, max 86400, grace 300" },
      ),
    ),
  },
  closed,
);
export type LomConfigFile = Static<typeof LomConfigSchema>;

/** Where the registry finds modules. `optional`: the default `modules/` folder may be missing. */
export type SourceConfig = { readonly folder: string; readonly optional?: boolean } | { readonly url: string };

/** A config with every default filled in and every path absolute. */
export interface LomConfig {
  /** The config file, or `null` when running on the embedded defaults. */
  readonly file: string | null;
  readonly host: string;
  readonly port: number;
  readonly sources: readonly SourceConfig[];
  /** `memory`, `file:/abs/path`, `http://...`, `postgres://...`. */
  readonly store: string;
  readonly tokens: readonly { readonly token: string; readonly modules: readonly string[] }[];
  readonly read: "open" | "token";
  /** RULES.md C2. */
  readonly compatibility: CompatibilityPolicy;
  /** RULES.md L1, L3, in seconds. */
  readonly leases: LeaseBounds;
}

/** A fault in a config file: where (JSON Pointer) and what. */
export interface ConfigFault {
  readonly code: "INVALID_CONFIG";
  readonly pointer: string;
  readonly message: string;
  readonly hint?: string;
}

/** A config that cannot be used: exit code 2, every fault named. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly faults: readonly ConfigFault[],
  ) {
    super(`${file}: ${faults.map((f) => `${f.pointer || "/"}: ${f.message}`).join("; ")}`);
  }
}

export const DEFAULT_LISTEN = "127.0.0.1:7420";
const checkConfig = Compile(LomConfigSchema);

/**
 * The config for a LOM. With a file: parsed, validated (every fault reported) and resolved
 * against the file's folder. Without: the embedded defaults (shipped examples, a file store
 * under `.lom/` in the working directory).
 */
export function loadConfig(
  file: string | undefined,
  options: { examples: readonly string[]; cwd?: string; ignoreTokens?: boolean },
): LomConfig {
  const cwd = options.cwd ?? process.cwd();
  if (file === undefined) {
    return {
      file: null,
      ...parseListen(DEFAULT_LISTEN),
      sources: options.examples.map((folder) => ({ folder })),
      store: `file:${resolve(cwd, ".lom/catalog.json")}`,
      tokens: [],
      read: "open",
      compatibility: "warn",
      leases: DEFAULT_LEASE_BOUNDS,
    };
  }
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "the file does not exist" : String(error);
    throw new ConfigError(path, [{ code: "INVALID_CONFIG", pointer: "", message: reason }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [
      { code: "INVALID_CONFIG", pointer: "", message: `not JSON: ${(error as Error).message}` },
    ]);
  }
  if (!checkConfig.Check(raw)) {
    const faults = new Map<string, ConfigFault>();
    for (const e of checkConfig.Errors(raw)) {
      if (e.keyword === "anyOf" || e.keyword === "boolean") continue;
      const key = `${e.instancePath}|${e.message}`;
      if (!faults.has(key)) faults.set(key, { code: "INVALID_CONFIG", pointer: e.instancePath, message: e.message });
    }
    throw new ConfigError(path, [...faults.values()]);
  }
  return resolveConfig(raw, path, options.ignoreTokens === true);
}

function resolveConfig(raw: LomConfigFile, path: string, ignoreTokens: boolean): LomConfig {
  const base = dirname(path);
  const faults: ConfigFault[] = [];
  // A reading command only opens the store: it needs no token, and an unset variable is not its fault.
  const tokens = (ignoreTokens ? [] : (raw.tokens ?? [])).flatMap((grant, i) => {
    if ("token" in grant) return [{ token: grant.token, modules: grant.modules }];
    const value = process.env[grant.env];
    if (value === undefined || value === "") {
      faults.push({
        code: "INVALID_CONFIG",
        pointer: `/tokens/${i}/env`,
        message: `the environment variable ${grant.env} is not set`,
        hint: `export ${grant.env}=... before lom start`,
      });
      return [];
    }
    return [{ token: value, modules: grant.modules }];
  });
  const listen = parseListen(raw.listen ?? DEFAULT_LISTEN);
  if (listen.port > 65535) faults.push({ code: "INVALID_CONFIG", pointer: "/listen", message: "port above 65535" });
  const leases = { ...DEFAULT_LEASE_BOUNDS, ...raw.leases };
  if (leases.min > leases.max) {
    faults.push({
      code: "INVALID_CONFIG",
      pointer: "/leases",
      message: `the shortest lease (min ${leases.min}) is longer than the longest (max ${leases.max})`,
    });
  }
  if (faults.length > 0) throw new ConfigError(path, faults);
  const store = raw.store ?? "file:.lom/catalog.json";
  return {
    file: path,
    ...listen,
    // The default folder may be missing (a LOM fed over HTTP only); a folder named in the config may not.
    sources: raw.sources
      ? raw.sources.map((s) => ("folder" in s ? { folder: resolve(base, s.folder) } : s))
      : [{ folder: resolve(base, "modules"), optional: true }],
    store: store.startsWith("file:") ? `file:${resolve(base, store.slice("file:".length))}` : store,
    tokens,
    read: raw.read ?? "open",
    compatibility: raw.compatibility ?? "warn",
    leases,
  };
}

/** `"127.0.0.1:7420"` -> host and port (IPv6 in brackets). */
export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(listen.slice(colon + 1)) };
}
