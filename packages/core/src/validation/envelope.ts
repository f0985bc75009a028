import { Capability, RegistrationMetadata, RegistrationPayload } from "@rune/mrs-schema";
import { Compile } from "typebox/compile";
import { type ErrorCode, type MrsError, mrsError } from "../errors.js";
import { MAX_ENVELOPE_ERRORS, withErrorLimit } from "./error-limit.js";
import { child, segmentsOf } from "./pointer.js";
import { suggest } from "./suggest.js";

/**
 * The envelope as `@rune/mrs-schema` defines it, less the `pattern` and `format` of the fields
 * that {@link validatePayload} checks itself, more strictly and with precise messages, whenever
 * they are present: `module_name` and `action` (`checkName`: E3, E7), `module_version`
 * (`checkVersion`: E4) and `registered_at` (`checkTimestamp`: E5, a real instant in UTC). The
 * envelope still decides their presence and type, and everything else. Checking the same
 * strings twice was most of the envelope's cost on a small payload (TypeBox's `date-time` alone
 * about half).
 */
const envelope = Compile(withoutFieldRules(RegistrationPayload));

/** A field's schema without what a precise check of core covers (its lengths stay). */
function loosened(field: unknown): unknown {
  const { pattern: _pattern, format: _format, ...rest } = field as { pattern?: string; format?: string };
  return rest;
}

function withoutFieldRules(payload: typeof RegistrationPayload): typeof RegistrationPayload {
  const metadata = payload.properties.registration_metadata;
  const capabilities = payload.properties.capabilities;
  const capability = capabilities.items;
  return {
    ...payload,
    properties: {
      ...payload.properties,
      registration_metadata: {
        ...metadata,
        properties: {
          ...metadata.properties,
          module_name: loosened(metadata.properties.module_name),
          module_version: loosened(metadata.properties.module_version),
          registered_at: loosened(metadata.properties.registered_at),
        },
      },
      capabilities: {
        ...capabilities,
        items: {
          ...capability,
          properties: { ...capability.properties, action: loosened(capability.properties.action) },
        },
      },
    },
  } as typeof RegistrationPayload;
}

/** The members each level of the envelope defines, read from the TypeBox definitions so they cannot drift. */
const ROOT_MEMBERS = Object.keys(RegistrationPayload.properties);
const METADATA_MEMBERS = Object.keys(RegistrationMetadata.properties);
const CAPABILITY_MEMBERS = Object.keys(Capability.properties);

const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  module_name: "INVALID_MODULE_NAME",
  module_version: "INVALID_VERSION",
  registered_at: "INVALID_TIMESTAMP",
  action: "INVALID_ACTION_NAME",
  description: "INVALID_DESCRIPTION",
  input_schema: "INVALID_JSON_SCHEMA",
  output_schema: "INVALID_JSON_SCHEMA",
};

/**
 * The envelope's faults as found by the TypeBox-compiled `RegistrationPayload` of
 * `@rune/mrs-schema`, each mapped to the code of its position (RULES.md E1-E8): a value of the
 * wrong type gets its field's code, an unknown member is `UNKNOWN_FIELD` at its own pointer
 * (with the member meant, for a near-miss), a missing member gets its field's code. Positions
 * inside `input_schema` / `output_schema` are left to the schema rules.
 */
export function envelopeErrors(payload: unknown): MrsError[] {
  if (envelope.Check(payload)) return [];
  const errors: MrsError[] = [];
  for (const error of withErrorLimit(MAX_ENVELOPE_ERRORS, () => envelope.Errors(payload))) {
    const path = segmentsOf(error.instancePath) ?? [];
    if (insideCapabilitySchema(path)) continue;
    if (error.keyword === "boolean" && error.schemaPath.endsWith("/additionalProperties")) {
      errors.push(unknownMember(path));
    } else if (error.keyword === "additionalProperties") {
      const members = (error.params as { additionalProperties?: unknown }).additionalProperties;
      if (Array.isArray(members)) for (const member of members) errors.push(unknownMember([...path, String(member)]));
    } else if (error.keyword === "required") {
      const members = (error.params as { requiredProperties?: unknown }).requiredProperties;
      const holder = valueAt(payload, path);
      if (!Array.isArray(members)) continue;
      for (const member of members.map(String)) {
        if (typeof holder === "object" && holder !== null && Object.hasOwn(holder, member)) continue;
        errors.push(mrsError(codeAt([...path, member]), child(error.instancePath, member), `${member} is missing`));
      }
    } else {
      const label = path.length === 0 ? "payload" : path.join("/");
      errors.push(mrsError(codeAt(path), error.instancePath, `${label} ${error.message}`));
    }
  }
  return errors;
}

function insideCapabilitySchema(path: readonly string[]): boolean {
  return path[0] === "capabilities" && (path[2] === "input_schema" || path[2] === "output_schema");
}

/** The code of a position of the envelope, by the rule that governs it. */
function codeAt(path: readonly string[]): ErrorCode {
  const [top, second, third] = path;
  if (top === "capabilities") {
    if (path.length <= 2) return "INVALID_CAPABILITIES";
    return FIELD_CODES[third ?? ""] ?? "INVALID_PAYLOAD";
  }
  if (top === "registration_metadata" && second !== undefined) return FIELD_CODES[second] ?? "INVALID_PAYLOAD";
  return "INVALID_PAYLOAD";
}

function unknownMember(path: readonly string[]): MrsError {
  const name = path.at(-1) ?? "";
  const parent = path.slice(0, -1);
  const known =
    parent.length === 0
      ? ROOT_MEMBERS
      : parent.length === 1 && parent[0] === "registration_metadata"
        ? METADATA_MEMBERS
        : CAPABILITY_MEMBERS;
  const where = parent.length === 0 ? "the payload" : parent.join("/");
  const closest = suggest(name, known);
  const hint =
    closest !== undefined
      ? `did you mean "${closest}"?`
      : /^x[-_]/i.test(name)
        ? 'vendor extensions start with a lowercase "x-"'
        : 'remove it, or prefix it with "x-" if it is a vendor extension';
  return mrsError("UNKNOWN_FIELD", child("", ...path), `"${name}" is not a member of ${where}`, { hint });
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
