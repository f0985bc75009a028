import type { CompatibilityDifference } from "./compat/types.js";
import { oneLine } from "./validation/one-line.js";

/**
 * Every error and warning code of MRS, in one registry (the fastify `lib/errors.js` model).
 * Codes are promises to users: never reuse or rename one. Each names the RULES.md rule it
 * enforces; `errors.test.ts` checks this file against RULES.md both ways.
 */

/**
 * A rule id of the project's rules (`E3`, `S5`, `R3`, `L2`, `C2`, `I1`, `H1`, `A2`, ...): E envelope,
 * S sessions, R revisions, L liveness, C compatibility, I invocation, H HTTP, A access.
 */
export type RuleId = `${"E" | "S" | "R" | "L" | "C" | "I" | "H" | "A"}${number}${"" | "b"}`;

interface CodeInfo {
  /** The RULES.md rule the code enforces. */
  readonly rule: RuleId;
  /** One line for the docs: when the code is used. */
  readonly description: string;
  /**
   * `true` for codes that RULES.md does not list: faults of the machinery around the rules
   * (a corrupt store file, a module URL that does not answer). They still cite the nearest rule.
   */
  readonly operational?: true;
}

/** Error codes: a registration or request that carries one of these did not go through. */
export const ERROR_CODES = {
  INVALID_JSON: { rule: "E1", description: "The bytes are not JSON at all." },
  INVALID_PAYLOAD: {
    rule: "E1",
    description: "The payload is not one object with `registration_metadata` and `capabilities`.",
  },
  UNKNOWN_FIELD: {
    rule: "E2",
    description: "A member the envelope does not define (only `x-` extensions may be added).",
  },
  INVALID_MODULE_NAME: {
    rule: "E3",
    description: "`module_name` is not 1-64 lowercase letters, digits, `-` or `_`, starting with a letter.",
  },
  INVALID_VERSION: { rule: "E4", description: "`module_version` is not a strict SemVer 2.0.0 version." },
  INVALID_TIMESTAMP: {
    rule: "E5",
    description: "`registered_at` is not an RFC 3339 date-time that exists on the calendar.",
  },
  TIMESTAMP_NOT_UTC: { rule: "E5", description: "`registered_at` has an offset other than `Z`." },
  INVALID_CAPABILITIES: { rule: "E6", description: "`capabilities` is not an array of 1 to 256 capabilities." },
  INVALID_ACTION_NAME: { rule: "E7", description: "`action` is not of the same form as a module name." },
  DUPLICATE_ACTION: { rule: "E7", description: "Two capabilities of one module declare the same `action`." },
  INVALID_DESCRIPTION: {
    rule: "E8",
    description: "`description` is not a non-empty string of at most 4,096 characters.",
  },
  INVALID_JSON_SCHEMA: {
    rule: "E9",
    description: "A capability schema is not valid against its JSON Schema meta-schema.",
  },
  SCHEMA_ROOT_NOT_OBJECT: { rule: "E9", description: 'A capability schema\'s root is not `"type": "object"`.' },
  REMOTE_REF_FORBIDDEN: { rule: "E10", description: "A capability schema uses a `$ref` that is not local (`#...`)." },
  PAYLOAD_TOO_LARGE: { rule: "E11", description: "The raw payload is larger than 1 MiB." },
  SCHEMA_TOO_COMPLEX: {
    rule: "E11",
    description:
      "A capability schema nests deeper than 32 levels, holds more than 2,000 subschemas, or an `enum` of more than 1,000 values.",
  },
  UNSAFE_PATTERN: {
    rule: "E11",
    description: "A regular expression in a schema could backtrack catastrophically, or is not valid.",
  },
  VERSION_SUPERSEDED: { rule: "S4", description: "The session already holds a higher version of this module." },
  DUPLICATE_REGISTRATION: {
    rule: "S5",
    description: "The session already holds this module at the same version precedence.",
  },
  UNKNOWN_ACTION: { rule: "S8", description: "No module in the session declares this action." },
  AMBIGUOUS_ACTION: {
    rule: "S8",
    description: "Several modules declare this bare action: address it as `module/action`.",
  },
  STORE_UNAVAILABLE: { rule: "S11", description: "The store could not be read or written; nothing was recorded." },
  REVISION_COMPACTED: {
    rule: "R3",
    description:
      "The changes after the revision asked for are no longer kept: read the catalog again and follow from the oldest revision held.",
  },
  INPUT_INVALID: { rule: "I1", description: "An action's input does not match its `input_schema`." },
  OUTPUT_INVALID: { rule: "I1", description: "An action's output does not match its `output_schema`." },
  INVALID_LEASE: { rule: "L1", description: "A lease that is not a positive whole number of seconds." },
  NO_LEASE: { rule: "L2", description: "A heartbeat for a module that holds no lease." },
  MODULE_EXPIRED: {
    rule: "L3",
    description: "The action is declared only by modules whose lease expired: listed, no longer resolvable.",
  },
  UNKNOWN_MODULE: { rule: "L4", description: "No module of this name is held in the session." },
  NOT_FOUND: { rule: "H1", description: "The API has no such route (method and path)." },
  INTERNAL_ERROR: {
    rule: "H2",
    description: "The LOM itself failed on this request; the answer carries a request id, the log the details.",
  },
  UNAUTHORIZED: { rule: "A1", description: "No valid bearer token was given for a request that needs one." },
  BREAKING_CHANGE_UNDECLARED: {
    rule: "C2",
    description: "An upgrade breaks callers without the version bump that declares it; refused under `strict`.",
  },
  FORBIDDEN_MODULE: { rule: "A2", description: "The token is not allowed to register this module name." },
  // Operational codes: not in RULES.md, each citing the nearest rule.
  UNSUPPORTED_MEDIA_TYPE: {
    rule: "E1",
    operational: true,
    description: "A request body that is not `application/json`.",
  },
  STORE_CORRUPT: {
    rule: "S11",
    operational: true,
    description: "The store holds data that cannot be read (bad JSON, unknown format version); it was left untouched.",
  },
  SOURCE_UNAVAILABLE: {
    rule: "S9",
    operational: true,
    description: "A source could not deliver a payload (unreadable file, symlink, module URL that failed).",
  },
  INVALID_REQUEST: {
    rule: "I1",
    operational: true,
    description: "A request to the API is malformed (for example a validate call without `input` or `output`).",
  },
} as const satisfies Record<string, CodeInfo>;

/** Warning codes: the registration is accepted, with something worth knowing. */
export const WARNING_CODES = {
  UNKNOWN_FORMAT: {
    rule: "E9b",
    description: "A schema uses a `format` the validator does not know; it is not checked.",
  },
  BREAKING_CHANGE_UNDECLARED: {
    rule: "C2",
    description: "An upgrade breaks callers without the version bump that declares it; accepted under `warn`.",
  },
} as const satisfies Record<string, CodeInfo>;

/** An error code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;
/** A warning code of {@link WARNING_CODES}. */
export type WarningCode = keyof typeof WARNING_CODES;

/**
 * An error as data: what went wrong, which rule says so, where (a JSON Pointer into the
 * payload or request), and how to fix it when there is an obvious fix.
 */
export interface MrsError {
  readonly code: ErrorCode;
  readonly rule: RuleId;
  /** JSON Pointer (RFC 6901) of the offending value; `""` for the whole document. */
  readonly pointer: string;
  /** One line a person can act on. */
  readonly message: string;
  readonly hint?: string;
  /** S5: the duplicate's payload is identical to the one held (a retry that went through). */
  readonly identical?: boolean;
  /** S8: the `module/action` addresses a bare ambiguous action could mean. */
  readonly candidates?: readonly string[];
  /** C2: the breaking differences an upgrade did not declare (`BREAKING_CHANGE_UNDECLARED`). */
  readonly differences?: readonly CompatibilityDifference[];
}

/** A warning as data: same shape as an error, with a warning code. */
export interface MrsWarning {
  readonly code: WarningCode;
  readonly rule: RuleId;
  readonly pointer: string;
  readonly message: string;
  readonly hint?: string;
  /** C2: the breaking differences an upgrade did not declare (`BREAKING_CHANGE_UNDECLARED`). */
  readonly differences?: readonly CompatibilityDifference[];
}

/**
 * Builds an {@link MrsError}, filling `rule` from the registry so that a code and its rule can
 * never drift apart.
 *
 * @example
 * mrsError("INVALID_VERSION", "/registration_metadata/module_version", "\"1.0\" is not SemVer", { hint: "use 1.0.0" })
 */
export function mrsError(
  code: ErrorCode,
  pointer: string,
  message: string,
  extra: {
    hint?: string;
    identical?: boolean;
    candidates?: readonly string[];
    differences?: readonly CompatibilityDifference[];
  } = {},
): MrsError {
  // Messages quote payload and schema strings: each stays one line (control characters escaped).
  const hint = extra.hint === undefined ? {} : { hint: oneLine(extra.hint) };
  return { code, rule: ERROR_CODES[code].rule, pointer, message: oneLine(message), ...extra, ...hint };
}

/** Builds an {@link MrsWarning}, filling `rule` from the registry. */
export function mrsWarning(code: WarningCode, pointer: string, message: string, hint?: string): MrsWarning {
  return hint === undefined
    ? { code, rule: WARNING_CODES[code].rule, pointer, message: oneLine(message) }
    : { code, rule: WARNING_CODES[code].rule, pointer, message: oneLine(message), hint: oneLine(hint) };
}

const FAILURE_BRAND = Symbol.for("@rune/mrs-core.MrsFailure");

/**
 * The one exception MRS throws, for callers that prefer throwing to results (and for stores,
 * which signal failure by throwing). It carries its errors as data.
 */
export class MrsFailure extends Error {
  override readonly name = "MrsFailure";
  /** The brand {@link MrsFailure}'s `instanceof` checks: shared by every copy of this package in a process. */
  readonly [FAILURE_BRAND] = true;
  constructor(readonly errors: readonly MrsError[]) {
    super(errors.map((e) => `${e.code} (MRS-${e.rule}) at ${e.pointer || "/"}: ${e.message}`).join("; "));
  }

  /**
   * `error instanceof MrsFailure` holds for a failure made by any copy of `@rune/mrs-core` (an
   * install with two copies): a brand registered with `Symbol.for`, not the class's identity, so
   * a `STORE_CORRUPT` from an adapter never turns into a `STORE_UNAVAILABLE` for want of the same
   * class object.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[FAILURE_BRAND] === true;
  }
  /** The first error's code. */
  get code(): ErrorCode | undefined {
    return this.errors[0]?.code;
  }
}

/** JSON Pointer (RFC 6901) of a path: `["capabilities", 0, "action"]` -> `/capabilities/0/action`. */
export function toPointer(path: readonly (string | number)[]): string {
  return path.map((part) => `/${escapeSegment(String(part))}`).join("");
}

/** One JSON Pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`; most names need neither. */
export function escapeSegment(name: string): string {
  // A name is often escaped twice in a row (a difference's location, then its pointer): the
  // last answer is kept, for that same text only.
  if (name === lastEscaped.name) return lastEscaped.segment;
  const segment = name.includes("~") || name.includes("/") ? name.replaceAll("~", "~0").replaceAll("/", "~1") : name;
  lastEscaped.name = name;
  lastEscaped.segment = segment;
  return segment;
}

const lastEscaped = { name: "", segment: "" };
