import { Format } from "typebox/format";
import { type MrsError, type MrsWarning, mrsError, mrsWarning } from "../errors.js";
import { compileAccepted, contentKey, patternPropertiesOnEngine } from "./compiler.js";
import { describeValue } from "./describe.js";
import { DIALECT_HINT, type Dialect, dialectOf, metaSchemaFaults } from "./dialect.js";
import { findTooDeep } from "./json-depth.js";
import { MAX_ENUM_VALUES, MAX_JSON_DEPTH, MAX_SCHEMA_DEPTH, MAX_SUBSCHEMAS } from "./limits.js";
import { child, resolvePointer } from "./pointer.js";
import { checkPattern, OUT_OF_TIME } from "./regex-safety.js";
import { isSchemaObject, type SchemaFacts, walkSchema } from "./schema-walk.js";
import { suggest } from "./suggest.js";

/** What the rules found in one schema. */
export interface SchemaReport {
  readonly errors: readonly MrsError[];
  readonly warnings: readonly MrsWarning[];
  /**
   * Set when the schema passed every rule: its dialect. The content key a compile needs is only
   * computed for a compile (see {@link SchemaCheckOptions.compileNow}): a registration does not
   * compile, and sorting every new schema's members was about 3% of `lom start` discovering
   * 1,000 manifests of new shapes (issue #16).
   */
  readonly accepted?: { readonly dialect: Dialect };
}

/** Options of {@link checkSchema}. */
export interface SchemaCheckOptions {
  /** E9's envelope rule: the root must be an object schema with `"type": "object"`. */
  readonly requireObjectRoot: boolean;
  /** Name used in messages: `input_schema`, `output_schema`, or `schema`. */
  readonly label: string;
  /**
   * `performance.now()` time past which slow work is cut short (E11's time bound): patterns not
   * analysed before are refused, and meta-schema faults are reported without details.
   */
  readonly deadline: number;
  /** The schema's content key, when the caller has computed it already (`compileSchema` has). */
  readonly key?: string;
  /**
   * Compile an accepted schema now, with the walk the rules made (`compileSchema`, whose caller
   * asked for a validator). A registration leaves it to the first check (I1). A schema the
   * engine cannot compile throws an `MrsFailure`.
   */
  readonly compileNow?: boolean;
}

/**
 * Checks one JSON Schema against RULES.md E9 (root, meta-schema), E9b (unknown formats, as
 * warnings), E10 (local references only) and E11 (depth, size, enum, regular expressions),
 * reporting every fault with its pointer under `base`. Nothing recursive runs before the depth
 * is known to be bounded, and no pattern is compiled before it is judged safe.
 */
export function checkSchema(schema: unknown, base: string, options: SchemaCheckOptions): SchemaReport {
  const { label } = options;
  if (schema === undefined) {
    return only(mrsError("INVALID_JSON_SCHEMA", base, `${label} is missing`, { hint: 'add {"type": "object"}' }));
  }
  if (typeof schema === "boolean") {
    return options.requireObjectRoot
      ? only(
          mrsError("SCHEMA_ROOT_NOT_OBJECT", base, `${label} is the boolean schema ${schema}, not an object schema`, {
            hint: 'use {"type": "object"} and list the properties',
          }),
        )
      : { errors: [], warnings: [] };
  }
  if (!isSchemaObject(schema)) {
    return only(
      mrsError("INVALID_JSON_SCHEMA", base, `${label} must be a JSON Schema object, not ${describeValue(schema)}`, {
        hint: 'use {"type": "object"}',
      }),
    );
  }

  const facts = walkSchema(schema, base);
  if (facts.tooDeep !== undefined) {
    return only(
      mrsError(
        "SCHEMA_TOO_COMPLEX",
        facts.tooDeep,
        `${label} nests subschemas more than ${MAX_SCHEMA_DEPTH} levels deep`,
        { hint: "flatten it, or name repeated parts under $defs and use $ref" },
      ),
    );
  }
  // The walk only enters subschemas; values such as `const` and `default` can nest too, and the
  // meta-schema check below recurses through everything.
  const tooDeep = findTooDeep(schema, MAX_JSON_DEPTH);
  if (tooDeep) {
    return only(
      mrsError(
        "SCHEMA_TOO_COMPLEX",
        child(base, ...tooDeep),
        `${label} nests JSON more than ${MAX_JSON_DEPTH} levels deep`,
        {
          hint: "keep const, default and example values shallow",
        },
      ),
    );
  }
  if (facts.tooMany) {
    return only(
      mrsError(
        "SCHEMA_TOO_COMPLEX",
        base,
        `${label} holds more than ${MAX_SUBSCHEMAS.toLocaleString("en")} subschemas`,
        {
          hint: "split the capability, or reuse parts through $defs and $ref",
        },
      ),
    );
  }

  const errors: MrsError[] = [];
  if (options.requireObjectRoot) errors.push(...rootErrors(schema, base, label));
  const dialect = dialectOf(schema);
  if (dialect === undefined) {
    errors.push(
      mrsError(
        "INVALID_JSON_SCHEMA",
        child(base, "$schema"),
        `${label} names a JSON Schema dialect MRS does not accept`,
        {
          hint: DIALECT_HINT,
        },
      ),
    );
  }
  errors.push(
    ...limitErrors(facts),
    ...referenceErrors(schema, facts, dialect),
    ...patternErrors(facts, dialect, options.deadline),
  );
  if (dialect !== undefined) {
    const claimed = new Set(errors.map((error) => error.pointer));
    for (const fault of metaSchemaFaults(schema, dialect, base, options.deadline)) {
      // A more specific rule already explains this position (an unsafe pattern, a remote $ref).
      if (claimed.has(fault.pointer)) continue;
      errors.push(mrsError("INVALID_JSON_SCHEMA", fault.pointer, fault.message));
    }
  }
  const warnings = formatWarnings(facts);
  if (errors.length > 0 || dialect === undefined) return { errors, warnings };

  if (options.compileNow === true) compileAccepted(schema, dialect, options.key ?? contentKey(schema), facts);
  return { errors: [], warnings, accepted: { dialect } };
}

/** The E9b warnings of a schema alone: `format`s the engine does not check. */
export function formatWarningsOf(schema: unknown, base: string): MrsWarning[] {
  if (findTooDeep(schema, MAX_JSON_DEPTH)) return [];
  return formatWarnings(walkSchema(schema, base));
}

function only(error: MrsError): SchemaReport {
  return { errors: [error], warnings: [] };
}

function rootErrors(schema: Readonly<Record<string, unknown>>, base: string, label: string): MrsError[] {
  if (!Object.hasOwn(schema, "type")) {
    return [
      mrsError("SCHEMA_ROOT_NOT_OBJECT", base, `${label} has no "type"; its root must be "type": "object"`, {
        hint: 'add "type": "object"',
      }),
    ];
  }
  const type = schema.type;
  if (type === "object") return [];
  return [
    mrsError(
      "SCHEMA_ROOT_NOT_OBJECT",
      child(base, "type"),
      `${label} has "type": ${JSON.stringify(type)}; its root must be "type": "object"`,
      {
        hint: Array.isArray(type)
          ? 'use the single type "object"'
          : 'wrap the value in an object: {"type": "object", "properties": {"value": ...}}',
      },
    ),
  ];
}

function limitErrors(facts: SchemaFacts): MrsError[] {
  return facts.largeEnums.map(({ pointer, size }) =>
    mrsError(
      "SCHEMA_TOO_COMPLEX",
      pointer,
      `enum lists ${size.toLocaleString("en")} values, more than ${MAX_ENUM_VALUES.toLocaleString("en")}`,
      { hint: "use a pattern or a format, or split the values by kind" },
    ),
  );
}

function referenceErrors(
  schema: Readonly<Record<string, unknown>>,
  facts: SchemaFacts,
  dialect: Dialect | undefined,
): MrsError[] {
  const errors: MrsError[] = [];
  for (const { pointer, keyword, value } of facts.references) {
    if (!value.startsWith("#")) {
      errors.push(
        mrsError(
          "REMOTE_REF_FORBIDDEN",
          pointer,
          `${keyword} "${value}" is not local: only "#..." references are allowed`,
          {
            hint: `copy the referenced schema under "$defs" and refer to it as "#/$defs/<name>"`,
          },
        ),
      );
    } else if (!resolves(schema, value.slice(1), facts.anchors)) {
      errors.push(
        mrsError("INVALID_JSON_SCHEMA", pointer, `${keyword} "${value}" does not point to anything in this schema`, {
          hint: suggestTarget(value),
        }),
      );
    }
  }
  for (const { pointer, value } of facts.nestedIds) {
    if (dialect === "draft-07" && value.startsWith("#")) continue; // a draft-07 anchor, not a resource
    errors.push(
      mrsError(
        "REMOTE_REF_FORBIDDEN",
        pointer,
        `$id "${value}" below the root starts another schema resource, which changes what "#" references mean`,
        { hint: 'remove it and name the subschema with "$anchor" instead' },
      ),
    );
  }
  for (const pointer of facts.nestedDialects) {
    errors.push(
      mrsError("INVALID_JSON_SCHEMA", pointer, '"$schema" may only appear at the root of a capability schema', {
        hint: "remove it: the root's $schema applies to the whole schema",
      }),
    );
  }
  return errors;
}

function resolves(schema: unknown, fragment: string, anchors: ReadonlySet<string>): boolean {
  if (fragment === "") return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return false;
  }
  if (decoded.startsWith("/")) {
    const { found, value } = resolvePointer(schema, decoded);
    return found && (typeof value === "boolean" || isSchemaObject(value));
  }
  return anchors.has(decoded);
}

function suggestTarget(ref: string): string {
  return ref.startsWith("#/")
    ? 'point to a subschema, for example "#/$defs/<name>"'
    : 'define the anchor with "$anchor"';
}

function patternErrors(facts: SchemaFacts, dialect: Dialect | undefined, deadline: number): MrsError[] {
  const errors: MrsError[] = [];
  // Where TypeBox must run patternProperties itself, their keys run on V8 and are judged for it.
  const keysOnEngine = dialect !== undefined && patternPropertiesOnEngine(facts, dialect);
  for (const [index, { pointer, source, keyword }] of facts.patterns.entries()) {
    const onEngine = keysOnEngine && keyword === "patternProperties";
    const verdict = checkPattern(source, { deadline, linear: !onEngine });
    if (verdict.safe) continue;
    const shown = source.length > 80 ? `${source.slice(0, 77)}...` : source;
    // Out of time, one error stands for the rest of the schema's patterns, which are not judged either.
    const rest = verdict === OUT_OF_TIME ? facts.patterns.length - index - 1 : 0;
    const more = rest > 0 ? ` (nor were the ${rest} patterns after it in this schema)` : "";
    const why =
      onEngine && verdict !== OUT_OF_TIME
        ? `in a schema that uses ${facts.unevaluatedProperties && dialect === "2020-12" ? "unevaluatedProperties" : (facts.references.find((reference) => reference.keyword !== "$ref")?.keyword ?? "$dynamicRef")}, patternProperties run on the backtracking engine, and there ${verdict.reason}`
        : verdict.reason;
    errors.push(
      mrsError("UNSAFE_PATTERN", pointer, `pattern "${shown}" is refused: ${why}${more}`, {
        ...(verdict.hint === undefined ? {} : { hint: verdict.hint }),
      }),
    );
    if (verdict === OUT_OF_TIME) break;
  }
  return errors;
}

function formatWarnings(facts: SchemaFacts): MrsWarning[] {
  const unknown = facts.formats.filter(({ name }) => !Format.Has(name));
  if (unknown.length === 0) return [];
  // The list of names is only read to suggest one: most schemas have no unknown format at all.
  const known = knownFormats();
  return unknown.map(({ pointer, name }) => {
    const closest = suggest(name, known);
    return mrsWarning(
      "UNKNOWN_FORMAT",
      pointer,
      `format "${name}" is not known to the validator: values are not checked against it`,
      closest === undefined ? "use a standard format, or a pattern" : `did you mean "${closest}"?`,
    );
  });
}

/** The `format` names the engine checks (RULES.md I2); any other is reported by E9b. */
export function knownFormats(): string[] {
  return Format.Entries()
    .map(([name]) => name)
    .sort();
}
