import Schema from "typebox/schema";
import { MAX_SCHEMA_ERRORS, withErrorLimit } from "./error-limit.js";
import { child, segmentsOf } from "./pointer.js";
import { isSchemaObject, own } from "./schema-walk.js";
import { surelyWellFormed } from "./well-formed.js";

/** The JSON Schema drafts a capability schema may be written in (RULES.md E9). */
export type Dialect = "2020-12" | "draft-07";

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** The `$schema` values read as each dialect; anything else is refused rather than guessed. */
const DIALECTS: ReadonlyMap<string, Dialect> = new Map([
  [DRAFT_2020_12, "2020-12"],
  [`${DRAFT_2020_12}#`, "2020-12"],
  [DRAFT_07, "draft-07"],
  ["http://json-schema.org/draft-07/schema", "draft-07"],
  ["https://json-schema.org/draft-07/schema#", "draft-07"],
  ["https://json-schema.org/draft-07/schema", "draft-07"],
]);

/**
 * The dialect a schema's `$schema` names: draft 2020-12 when it names none, `undefined` when it
 * names one that MRS does not accept (E9 allows 2020-12 and draft-07 only).
 */
export function dialectOf(schema: unknown): Dialect | undefined {
  if (!isSchemaObject(schema) || !Object.hasOwn(schema, "$schema")) return "2020-12";
  const named = own(schema, "$schema");
  return typeof named === "string" ? DIALECTS.get(named) : undefined;
}

/** The hint for an unsupported `$schema`. */
export const DIALECT_HINT = `use "${DRAFT_2020_12}" or "${DRAFT_07}", or leave "$schema" out for draft 2020-12`;

type MetaValidator = ReturnType<typeof Schema.Compile>;
const metaValidators = new Map<Dialect, MetaValidator>();

function metaValidator(dialect: Dialect): MetaValidator {
  let validator = metaValidators.get(dialect);
  if (!validator) {
    const meta = Schema.Meta[dialect === "draft-07" ? DRAFT_07 : DRAFT_2020_12];
    validator = Schema.Compile(meta);
    metaValidators.set(dialect, validator);
  }
  return validator;
}

/** One meta-schema fault, at the JSON Pointer of the offending keyword's value. */
export interface MetaSchemaFault {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Checks a schema against its dialect's meta-schema (RULES.md E9). The meta-schema reports a
 * fault at every level it passes through (`anyOf`, the parent `properties`...); only the
 * deepest position of each is kept, once, with the most telling message. At most
 * {@link MAX_SCHEMA_ERRORS} faults are gathered per schema.
 *
 * Callers must have bounded the schema's depth first (E11): the meta-schema validator recurses.
 */
export function metaSchemaFaults(schema: unknown, dialect: Dialect, base: string, deadline: number): MetaSchemaFault[] {
  if (surelyWellFormed(schema, dialect)) return [];
  const validator = metaValidator(dialect);
  if (validator.Check(schema)) return [];
  // Explaining a fault walks the meta-schema again, slowly (milliseconds per fault): past the
  // payload's time bound the schema is still refused, without the details.
  if (performance.now() > deadline) {
    return [
      {
        pointer: base,
        message: `the schema is not valid JSON Schema (${dialect}); fix the faults listed first, then check again for the details`,
      },
    ];
  }
  const [, errors] = withErrorLimit(MAX_SCHEMA_ERRORS, () => validator.Errors(schema));
  const byPointer = new Map<string, { keyword: string; message: string; params: object }[]>();
  for (const error of errors) {
    const list = byPointer.get(error.instancePath) ?? [];
    list.push({ keyword: error.keyword, message: error.message, params: error.params });
    byPointer.set(error.instancePath, list);
  }
  const ancestors = new Set<string>();
  for (const pointer of byPointer.keys()) {
    for (let cut = pointer.lastIndexOf("/"); cut > 0; cut = pointer.lastIndexOf("/", cut - 1)) {
      ancestors.add(pointer.slice(0, cut));
    }
    if (pointer !== "") ancestors.add("");
  }
  const deepest = [...byPointer.keys()].filter((pointer) => !ancestors.has(pointer));
  return deepest.map((pointer) => {
    const faults = byPointer.get(pointer) ?? [];
    const telling = faults.find((fault) => !GENERIC_KEYWORDS.has(fault.keyword)) ?? faults[0];
    const keyword = segmentsOf(pointer)?.at(-1);
    const detail = telling ? describe(telling) : "is not valid";
    const subject = keyword === undefined ? "the schema" : `"${keyword}"`;
    return {
      pointer: child(base, ...(segmentsOf(pointer) ?? [])),
      message: `${subject} is not valid JSON Schema (${dialect}): ${detail}`,
    };
  });
}

// Keywords that only say "a branch failed": the branch's own error says what is wrong.
const GENERIC_KEYWORDS = new Set(["anyOf", "oneOf", "allOf", "$ref", "$dynamicRef", "if", "then", "else", "not"]);

function describe(fault: { keyword: string; message: string; params: object }): string {
  const params = fault.params as { allowedValues?: unknown };
  if (fault.keyword === "enum" && Array.isArray(params.allowedValues)) {
    return `must be one of ${params.allowedValues.map((value) => JSON.stringify(value)).join(", ")}`;
  }
  return fault.message;
}
