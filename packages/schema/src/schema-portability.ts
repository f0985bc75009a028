import { IsCodec, IsRefine } from "typebox";
import { Compile as CompileSchema, Meta } from "typebox/schema";
import { escapePointerToken } from "./json-pointer.js";
import type { ModuleDefinitionIssue } from "./module-definition-error.js";

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

type MetaValidator = ReturnType<typeof CompileSchema>;
const metaValidators = new Map<string, MetaValidator>();

/** E9: the meta-schema a capability schema is checked against: draft 2020-12 unless its `$schema` names draft-07. */
function metaValidatorFor(schema: unknown): MetaValidator {
  const declared = (schema as { $schema?: unknown }).$schema;
  const dialect = declared === DRAFT_07 || declared === DRAFT_07.slice(0, -1) ? DRAFT_07 : DRAFT_2020_12;
  let validator = metaValidators.get(dialect);
  if (validator === undefined) {
    // Compiled on first use: about 0.1 s once, paid only by a process that defines a module.
    validator = CompileSchema(Meta[dialect]);
    metaValidators.set(dialect, validator);
  }
  return validator;
}

/** Members whose values are data, not subschemas: a `$ref` in them is not a reference. */
const DATA_KEYWORDS = new Set(["const", "enum", "default", "examples"]);

/** E9: TypeBox features that have no JSON Schema form and would be dropped silently on the wire. */
function typeScriptOnlyIssues(node: unknown, pointer: string, label: string, issues: ModuleDefinitionIssue[]): void {
  if (node === null || typeof node !== "object") return;
  if (IsRefine(node) || IsCodec(node)) {
    const what = IsRefine(node) ? "Type.Refine" : "a codec (Type.Codec / Decode / Encode)";
    issues.push({
      rule: "E9",
      pointer,
      message: `${label} uses ${what}, which has no JSON Schema form: the LOM would not check it; express the constraint in JSON Schema`,
    });
  }
  for (const [key, value] of Object.entries(node)) {
    if (!Array.isArray(node) && DATA_KEYWORDS.has(key)) continue;
    typeScriptOnlyIssues(value, `${pointer}/${escapePointerToken(key)}`, label, issues);
  }
}

/** E10: every `$ref` must be local (`#...`); TypeBox's `Type.Ref("Name")` and `Type.Cyclic` are not. */
function remoteRefIssues(node: unknown, pointer: string, label: string, issues: ModuleDefinitionIssue[]): void {
  if (node === null || typeof node !== "object") return;
  const ref = (node as { $ref?: unknown }).$ref;
  if (!Array.isArray(node) && typeof ref === "string" && !ref.startsWith("#")) {
    issues.push({
      rule: "E10",
      pointer: `${pointer}/$ref`,
      message: `${label} has a $ref that is not local (${JSON.stringify(ref)}): use "#/$defs/..." references only`,
    });
  }
  for (const [key, value] of Object.entries(node)) {
    if (!Array.isArray(node) && DATA_KEYWORDS.has(key)) continue;
    remoteRefIssues(value, `${pointer}/${escapePointerToken(key)}`, label, issues);
  }
}

/**
 * Checks one capability schema as `defineModule` emits it: TypeScript-only features (E9), the JSON
 * Schema meta-schema (E9) and local references only (E10). The envelope already checks the root
 * `"type": "object"`. `schema` is the TypeBox value as given; `pointer` is where it lands in the payload.
 */
export function capabilitySchemaIssues(schema: unknown, pointer: string, label: string): ModuleDefinitionIssue[] {
  const issues: ModuleDefinitionIssue[] = [];
  typeScriptOnlyIssues(schema, pointer, label, issues);
  let plain: unknown;
  try {
    plain = JSON.parse(JSON.stringify(schema));
  } catch (error) {
    issues.push({ rule: "E9", pointer, message: `${label} is not representable as JSON: ${(error as Error).message}` });
    return issues;
  }
  if (plain === null || typeof plain !== "object" || Array.isArray(plain)) return issues;
  remoteRefIssues(plain, pointer, label, issues);
  const [valid, errors] = metaValidatorFor(plain).Errors(plain);
  if (!valid) {
    // The meta-schema reports one fault through several branches and again at each enclosing
    // value: keep the first error per location, and only the deepest locations.
    const paths = new Set(errors.map((error) => error.instancePath));
    const seen = new Set<string>();
    for (const error of errors) {
      const path = error.instancePath;
      if (seen.has(path) || [...paths].some((other) => other.startsWith(`${path}/`))) continue;
      seen.add(path);
      issues.push({
        rule: "E9",
        pointer: `${pointer}${error.instancePath}`,
        message: `${label} is not a valid JSON Schema: ${error.message}`,
      });
    }
  }
  return issues;
}
