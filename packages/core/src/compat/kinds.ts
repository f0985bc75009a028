/**
 * Every kind of difference `compareRegistrations` reports, with what it does to the set of valid
 * instances and where the idea comes from. Names follow oasdiff's breaking-change checks
 * (`checker/localizations_src/en/messages.yaml`: `request-property-enum-value-removed`,
 * `response-property-became-optional`, ...) and Confluent Schema Registry's JSON Schema
 * difference types (`io.confluent.kafka.schemaregistry.json.diff.Difference.Type`:
 * `OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL`, `SUM_TYPE_NARROWED`, ...), with one name per
 * change rather than one per direction: the verdict depends on whether the schema is an input
 * (narrowing breaks) or an output (widening breaks), and is carried by `breaking`.
 *
 * `effect` is what the change usually does to the instances the schema accepts: `narrows`
 * (refuses some that were accepted), `widens` (accepts some that were refused), `incomparable`
 * (both), `depends` (the message and the nested differences say), `undecidable` (RULES.md C3).
 */
export const DIFFERENCE_KINDS = {
  // Capabilities (C1).
  "action-removed": {
    effect: "breaks",
    description: "An action of the old version is gone.",
    sources: ["oasdiff api-removed-without-deprecation"],
  },
  "action-added": {
    effect: "compatible",
    description: "The new version declares a new action.",
    sources: ["oasdiff endpoint-added"],
  },

  // Whole subschemas.
  "schema-now-refuses-everything": {
    effect: "narrows",
    description: "A subschema became `false` (or an equivalent).",
    sources: ["Confluent SCHEMA_REMOVED"],
  },
  "schema-no-longer-refuses-everything": {
    effect: "widens",
    description: "A subschema that was `false` now accepts something.",
    sources: ["Confluent SCHEMA_ADDED"],
  },

  // Types.
  "type-narrowed": {
    effect: "narrows",
    description: "`type` accepts fewer types (a type removed from a list, `number` to `integer`, `null` removed).",
    sources: [
      "oasdiff request-property-list-of-types-narrowed",
      "oasdiff request-property-became-not-nullable",
      "Confluent TYPE_NARROWED",
    ],
  },
  "type-widened": {
    effect: "widens",
    description: "`type` accepts more types (a type added to a list, `integer` to `number`, `null` added).",
    sources: [
      "oasdiff response-property-list-of-types-widened",
      "oasdiff response-property-became-nullable",
      "oasdiff response-property-type-generalized",
      "Confluent TYPE_EXTENDED",
    ],
  },
  "type-changed": {
    effect: "incomparable",
    description: "`type` dropped some types and gained others.",
    sources: ["oasdiff request-property-type-changed", "Confluent TYPE_CHANGED"],
  },

  // Values.
  "enum-value-removed": {
    effect: "narrows",
    description: "Values removed from `enum` (or a `const` replaced by an `enum` without it).",
    sources: ["oasdiff request-property-enum-value-removed", "Confluent ENUM_ARRAY_NARROWED"],
  },
  "enum-value-added": {
    effect: "widens",
    description: "Values added to `enum`.",
    sources: ["oasdiff response-property-enum-value-added", "Confluent ENUM_ARRAY_EXTENDED"],
  },
  "enum-added": {
    effect: "narrows",
    description: "An `enum` where there was none.",
    sources: ["oasdiff request-property-became-enum"],
  },
  "enum-removed": {
    effect: "widens",
    description: "An `enum` dropped: any value of the other keywords is accepted.",
    sources: ["Confluent ENUM_ARRAY_CHANGED"],
  },
  "const-added": {
    effect: "narrows",
    description: "A `const` where there was none.",
    sources: ["oasdiff request-property-const-added"],
  },
  "const-removed": {
    effect: "widens",
    description: "A `const` dropped.",
    sources: ["oasdiff response-property-const-removed"],
  },
  "const-changed": {
    effect: "incomparable",
    description: "A `const` with another value.",
    sources: ["oasdiff request-property-const-changed"],
  },

  // Numbers (the effective bound counts: `minimum` 0 replaced by `exclusiveMinimum` 0 tightens).
  "minimum-added": {
    effect: "narrows",
    description: "A lower bound where there was none.",
    sources: ["oasdiff request-property-min-set", "Confluent MINIMUM_ADDED"],
  },
  "minimum-removed": {
    effect: "widens",
    description: "The lower bound dropped.",
    sources: ["Confluent MINIMUM_REMOVED"],
  },
  "minimum-increased": {
    effect: "narrows",
    description: "The lower bound raised.",
    sources: ["oasdiff request-property-min-increased", "Confluent MINIMUM_INCREASED"],
  },
  "minimum-decreased": {
    effect: "widens",
    description: "The lower bound lowered.",
    sources: ["oasdiff response-property-min-decreased", "Confluent MINIMUM_DECREASED"],
  },
  "exclusive-minimum-added": {
    effect: "narrows",
    description: "An exclusive lower bound where there was none.",
    sources: ["oasdiff request-property-exclusive-min-set", "Confluent EXCLUSIVE_MINIMUM_ADDED"],
  },
  "exclusive-minimum-removed": {
    effect: "widens",
    description: "The exclusive lower bound dropped.",
    sources: ["Confluent EXCLUSIVE_MINIMUM_REMOVED"],
  },
  "exclusive-minimum-increased": {
    effect: "narrows",
    description: "The exclusive lower bound raised.",
    sources: ["oasdiff request-property-exclusive-min-increased", "Confluent EXCLUSIVE_MINIMUM_INCREASED"],
  },
  "exclusive-minimum-decreased": {
    effect: "widens",
    description: "The exclusive lower bound lowered.",
    sources: ["oasdiff response-property-exclusive-min-decreased", "Confluent EXCLUSIVE_MINIMUM_DECREASED"],
  },
  "maximum-added": {
    effect: "narrows",
    description: "An upper bound where there was none.",
    sources: ["oasdiff request-property-max-set", "Confluent MAXIMUM_ADDED"],
  },
  "maximum-removed": {
    effect: "widens",
    description: "The upper bound dropped.",
    sources: ["Confluent MAXIMUM_REMOVED"],
  },
  "maximum-increased": {
    effect: "widens",
    description: "The upper bound raised.",
    sources: ["oasdiff response-property-max-increased", "Confluent MAXIMUM_INCREASED"],
  },
  "maximum-decreased": {
    effect: "narrows",
    description: "The upper bound lowered.",
    sources: ["oasdiff request-property-max-decreased", "Confluent MAXIMUM_DECREASED"],
  },
  "exclusive-maximum-added": {
    effect: "narrows",
    description: "An exclusive upper bound where there was none.",
    sources: ["oasdiff request-property-exclusive-max-set", "Confluent EXCLUSIVE_MAXIMUM_ADDED"],
  },
  "exclusive-maximum-removed": {
    effect: "widens",
    description: "The exclusive upper bound dropped.",
    sources: ["Confluent EXCLUSIVE_MAXIMUM_REMOVED"],
  },
  "exclusive-maximum-increased": {
    effect: "widens",
    description: "The exclusive upper bound raised.",
    sources: ["oasdiff response-property-exclusive-max-increased", "Confluent EXCLUSIVE_MAXIMUM_INCREASED"],
  },
  "exclusive-maximum-decreased": {
    effect: "narrows",
    description: "The exclusive upper bound lowered.",
    sources: ["oasdiff request-property-exclusive-max-decreased", "Confluent EXCLUSIVE_MAXIMUM_DECREASED"],
  },
  "multiple-of-added": {
    effect: "narrows",
    description: "A `multipleOf` where there was none.",
    sources: ["Confluent MULTIPLE_OF_ADDED"],
  },
  "multiple-of-removed": {
    effect: "widens",
    description: "The `multipleOf` dropped.",
    sources: ["Confluent MULTIPLE_OF_REMOVED"],
  },
  "multiple-of-changed": {
    effect: "undecidable",
    description:
      "A `multipleOf` with another value: not compared (decimal division is not exact in binary floating point).",
    sources: ["Confluent MULTIPLE_OF_CHANGED"],
  },

  // Strings.
  "min-length-added": {
    effect: "narrows",
    description: "A `minLength` where there was none.",
    sources: ["Confluent MIN_LENGTH_ADDED"],
  },
  "min-length-removed": {
    effect: "widens",
    description: "The `minLength` dropped.",
    sources: ["Confluent MIN_LENGTH_REMOVED"],
  },
  "min-length-increased": {
    effect: "narrows",
    description: "`minLength` raised.",
    sources: ["oasdiff request-property-min-length-increased", "Confluent MIN_LENGTH_INCREASED"],
  },
  "min-length-decreased": {
    effect: "widens",
    description: "`minLength` lowered.",
    sources: ["oasdiff response-property-min-length-decreased", "Confluent MIN_LENGTH_DECREASED"],
  },
  "max-length-added": {
    effect: "narrows",
    description: "A `maxLength` where there was none.",
    sources: ["oasdiff request-property-max-length-set", "Confluent MAX_LENGTH_ADDED"],
  },
  "max-length-removed": {
    effect: "widens",
    description: "The `maxLength` dropped.",
    sources: ["oasdiff response-property-max-length-unset", "Confluent MAX_LENGTH_REMOVED"],
  },
  "max-length-increased": {
    effect: "widens",
    description: "`maxLength` raised.",
    sources: ["oasdiff response-property-max-length-increased", "Confluent MAX_LENGTH_INCREASED"],
  },
  "max-length-decreased": {
    effect: "narrows",
    description: "`maxLength` lowered.",
    sources: ["oasdiff request-property-max-length-decreased", "Confluent MAX_LENGTH_DECREASED"],
  },
  "pattern-added": {
    effect: "narrows",
    description: "A `pattern` where there was none.",
    sources: ["oasdiff request-property-pattern-added", "Confluent PATTERN_ADDED"],
  },
  "pattern-removed": {
    effect: "widens",
    description: "The `pattern` dropped.",
    sources: ["oasdiff response-property-pattern-removed", "Confluent PATTERN_REMOVED"],
  },
  "pattern-changed": {
    effect: "undecidable",
    description: "A `pattern` with another expression: whether one language holds the other is not compared (C3).",
    sources: ["oasdiff request-property-pattern-changed", "Confluent PATTERN_CHANGED"],
  },
  "format-added": {
    effect: "narrows",
    description: "A `format` where there was none (formats are checked, I2).",
    sources: ["oasdiff request-property-type-changed (format)"],
  },
  "format-removed": {
    effect: "widens",
    description: "The `format` dropped.",
    sources: ["oasdiff response-property-type-changed (format)"],
  },
  "format-changed": {
    effect: "undecidable",
    description: "Another `format`: formats are not compared with each other.",
    sources: ["oasdiff request-property-type-changed (format)"],
  },

  // Arrays.
  "min-items-added": {
    effect: "narrows",
    description: "A `minItems` where there was none.",
    sources: ["oasdiff request-property-min-items-set", "Confluent MIN_ITEMS_ADDED"],
  },
  "min-items-removed": {
    effect: "widens",
    description: "The `minItems` dropped.",
    sources: ["oasdiff response-property-min-items-unset", "Confluent MIN_ITEMS_REMOVED"],
  },
  "min-items-increased": {
    effect: "narrows",
    description: "`minItems` raised.",
    sources: ["oasdiff request-property-min-items-increased", "Confluent MIN_ITEMS_INCREASED"],
  },
  "min-items-decreased": {
    effect: "widens",
    description: "`minItems` lowered.",
    sources: ["oasdiff response-property-min-items-decreased", "Confluent MIN_ITEMS_DECREASED"],
  },
  "max-items-added": {
    effect: "narrows",
    description: "A `maxItems` where there was none.",
    sources: ["Confluent MAX_ITEMS_ADDED"],
  },
  "max-items-removed": {
    effect: "widens",
    description: "The `maxItems` dropped.",
    sources: ["Confluent MAX_ITEMS_REMOVED"],
  },
  "max-items-increased": {
    effect: "widens",
    description: "`maxItems` raised.",
    sources: ["Confluent MAX_ITEMS_INCREASED"],
  },
  "max-items-decreased": {
    effect: "narrows",
    description: "`maxItems` lowered.",
    sources: ["Confluent MAX_ITEMS_DECREASED"],
  },
  "unique-items-added": {
    effect: "narrows",
    description: "`uniqueItems: true` where items could repeat.",
    sources: ["Confluent UNIQUE_ITEMS_ADDED"],
  },
  "unique-items-removed": {
    effect: "widens",
    description: "Items may now repeat.",
    sources: ["Confluent UNIQUE_ITEMS_REMOVED"],
  },
  "contains-added": {
    effect: "narrows",
    description: "A `contains` where there was none.",
    sources: ["oasdiff request-property-contains-added", "Confluent MIN_CONTAINS_ADDED"],
  },
  "contains-removed": {
    effect: "widens",
    description: "The `contains` dropped.",
    sources: ["oasdiff response-property-contains-removed"],
  },
  "contains-changed": {
    effect: "undecidable",
    description: "`contains`, `minContains` or `maxContains` changed: not compared.",
    sources: ["Confluent MIN_CONTAINS_INCREASED"],
  },

  // Objects: the content model of the object decides what a property added or removed does (C4).
  "optional-property-added-to-closed-object": {
    effect: "widens",
    description:
      "The everyday case: an optional property added where `additionalProperties` is `false`. An input object accepts more; an output may carry a member old strict readers refused.",
    sources: ["Confluent OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "oasdiff new-optional-request-property"],
  },
  "optional-property-added-to-open-object": {
    effect: "narrows",
    description:
      "An optional property with a schema added where any member was accepted: an input that carried that name with another value was accepted and is now refused (C4).",
    sources: [
      "Confluent OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL (formerly PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL)",
    ],
  },
  "optional-property-added-to-partially-open-object": {
    effect: "depends",
    description:
      "An optional property added where `additionalProperties` (or a `patternProperties` entry) is a schema: its schema is compared with that one.",
    sources: [
      "Confluent PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
      "Confluent PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    ],
  },
  "required-property-added-to-closed-object": {
    effect: "incomparable",
    description:
      "A required property added to a closed object: old inputs lack it, and new outputs carry a member old readers refused.",
    sources: ["Confluent REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "oasdiff new-required-request-property"],
  },
  "required-property-added-to-open-object": {
    effect: "narrows",
    description: "A required property added to an open object: old inputs lack it; outputs only promise more.",
    sources: ["Confluent REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "oasdiff new-required-request-property"],
  },
  "required-property-added-to-partially-open-object": {
    effect: "narrows",
    description:
      "A required property added where `additionalProperties` is a schema; its schema is compared with that one.",
    sources: ["Confluent REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"],
  },
  "optional-property-removed-from-closed-object": {
    effect: "narrows",
    description: "A real removal: the member is now refused where it was accepted.",
    sources: ["Confluent PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "oasdiff request-property-removed"],
  },
  "optional-property-removed-from-open-object": {
    effect: "widens",
    description: "A property's schema dropped from an open object: the member may now hold any value.",
    sources: ["Confluent PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "oasdiff response-optional-property-removed"],
  },
  "optional-property-removed-from-partially-open-object": {
    effect: "depends",
    description:
      "A property's schema dropped where `additionalProperties` is a schema: the old schema is compared with that one.",
    sources: [
      "Confluent PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
      "Confluent PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    ],
  },
  "required-property-removed-from-closed-object": {
    effect: "incomparable",
    description:
      "A required property removed from a closed object: old inputs carry a member now refused, and outputs may lack it.",
    sources: ["oasdiff response-required-property-removed", "Confluent PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"],
  },
  "required-property-removed-from-open-object": {
    effect: "widens",
    description: "A required property removed from an open object: outputs may lack it or hold any value there.",
    sources: ["oasdiff response-required-property-removed", "Confluent PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"],
  },
  "required-property-removed-from-partially-open-object": {
    effect: "widens",
    description:
      "A required property removed where `additionalProperties` is a schema; the old schema is compared with that one.",
    sources: ["oasdiff response-required-property-removed"],
  },
  "property-became-required": {
    effect: "narrows",
    description: "A name added to `required`: breaks inputs, not outputs.",
    sources: [
      "oasdiff request-property-became-required",
      "oasdiff response-property-became-required",
      "Confluent REQUIRED_ATTRIBUTE_ADDED",
    ],
  },
  "property-became-optional": {
    effect: "widens",
    description: "A name removed from `required`: breaks outputs, not inputs.",
    sources: [
      "oasdiff response-property-became-optional",
      "oasdiff request-property-became-optional",
      "Confluent REQUIRED_ATTRIBUTE_REMOVED",
    ],
  },
  "additional-properties-forbidden": {
    effect: "narrows",
    description: "`additionalProperties` became `false`: members the schema does not name are refused.",
    sources: ["Confluent ADDITIONAL_PROPERTIES_REMOVED"],
  },
  "additional-properties-allowed": {
    effect: "widens",
    description: "`additionalProperties` was `false` and now accepts members the schema does not name.",
    sources: ["Confluent ADDITIONAL_PROPERTIES_ADDED"],
  },
  "pattern-property-added": {
    effect: "undecidable",
    description: "A `patternProperties` entry added: which names it covers is a regular-expression question (C3).",
    sources: ["oasdiff request-property-pattern-property-added"],
  },
  "pattern-property-removed": {
    effect: "undecidable",
    description: "A `patternProperties` entry removed (C3).",
    sources: ["oasdiff response-property-pattern-property-removed"],
  },
  "min-properties-added": {
    effect: "narrows",
    description: "A `minProperties` where there was none.",
    sources: ["Confluent MIN_PROPERTIES_ADDED"],
  },
  "min-properties-removed": {
    effect: "widens",
    description: "The `minProperties` dropped.",
    sources: ["Confluent MIN_PROPERTIES_REMOVED"],
  },
  "min-properties-increased": {
    effect: "narrows",
    description: "`minProperties` raised.",
    sources: ["Confluent MIN_PROPERTIES_INCREASED"],
  },
  "min-properties-decreased": {
    effect: "widens",
    description: "`minProperties` lowered.",
    sources: ["Confluent MIN_PROPERTIES_DECREASED"],
  },
  "max-properties-added": {
    effect: "narrows",
    description: "A `maxProperties` where there was none.",
    sources: ["Confluent MAX_PROPERTIES_ADDED"],
  },
  "max-properties-removed": {
    effect: "widens",
    description: "The `maxProperties` dropped.",
    sources: ["Confluent MAX_PROPERTIES_REMOVED"],
  },
  "max-properties-increased": {
    effect: "widens",
    description: "`maxProperties` raised.",
    sources: ["Confluent MAX_PROPERTIES_INCREASED"],
  },
  "max-properties-decreased": {
    effect: "narrows",
    description: "`maxProperties` lowered.",
    sources: ["Confluent MAX_PROPERTIES_DECREASED"],
  },
  "dependent-required-added": {
    effect: "narrows",
    description: "`dependentRequired` asks for more names when a member is present.",
    sources: ["oasdiff request-property-dependent-required-added", "Confluent DEPENDENCY_ARRAY_EXTENDED"],
  },
  "dependent-required-removed": {
    effect: "widens",
    description: "`dependentRequired` asks for fewer names.",
    sources: ["oasdiff response-property-dependent-required-removed", "Confluent DEPENDENCY_ARRAY_NARROWED"],
  },
  "dependent-schemas-changed": {
    effect: "undecidable",
    description: "`dependentSchemas` (or draft-07 `dependencies`) changed: not compared (C3).",
    sources: ["oasdiff request-property-dependent-schema-added", "Confluent DEPENDENCY_SCHEMA_ADDED"],
  },

  // Applicators.
  "all-of-branch-added": {
    effect: "narrows",
    description: "An `allOf` branch added: one more schema to satisfy.",
    sources: ["oasdiff request-property-all-of-added", "Confluent PRODUCT_TYPE_EXTENDED"],
  },
  "all-of-branch-removed": {
    effect: "widens",
    description: "An `allOf` branch removed.",
    sources: ["oasdiff response-property-all-of-removed", "Confluent PRODUCT_TYPE_NARROWED"],
  },
  "any-of-added": {
    effect: "narrows",
    description:
      "An `anyOf` where there was none; not breaking for an input when one branch accepts all the old schema did (wrapping).",
    sources: ["oasdiff request-body-wrapped-in-one-of"],
  },
  "any-of-removed": {
    effect: "widens",
    description: "The `anyOf` dropped; not breaking for an output when the new schema lies within one old branch.",
    sources: ["Confluent SUM_TYPE_EXTENDED"],
  },
  "any-of-branch-added": {
    effect: "widens",
    description: "An `anyOf` branch added.",
    sources: ["oasdiff response-property-any-of-added", "Confluent SUM_TYPE_EXTENDED"],
  },
  "any-of-branch-removed": {
    effect: "narrows",
    description: "An `anyOf` branch removed.",
    sources: ["oasdiff request-property-any-of-removed", "Confluent SUM_TYPE_NARROWED"],
  },
  "one-of-added": {
    effect: "narrows",
    description: "A `oneOf` where there was none.",
    sources: ["oasdiff request-body-wrapped-in-one-of"],
  },
  "one-of-removed": { effect: "widens", description: "The `oneOf` dropped.", sources: ["Confluent SUM_TYPE_EXTENDED"] },
  "one-of-branch-added": {
    effect: "widens",
    description:
      "A `oneOf` branch added, all branches provably disjoint (distinct types, values or discriminating `const`).",
    sources: ["oasdiff response-property-one-of-added", "Confluent SUM_TYPE_EXTENDED"],
  },
  "one-of-branch-removed": {
    effect: "narrows",
    description: "A `oneOf` branch removed, all branches provably disjoint.",
    sources: ["oasdiff request-property-one-of-removed", "Confluent SUM_TYPE_NARROWED"],
  },
  "one-of-changed": {
    effect: "undecidable",
    description:
      "`oneOf` branches that may overlap changed: an instance matching two branches is refused, so a branch added can refuse (C3).",
    sources: ["Confluent COMBINED_TYPE_SUBSCHEMAS_CHANGED"],
  },
  "not-added": {
    effect: "narrows",
    description: "A `not` where there was none.",
    sources: ["Confluent NOT_TYPE_NARROWED"],
  },
  "not-removed": { effect: "widens", description: "The `not` dropped.", sources: ["Confluent NOT_TYPE_EXTENDED"] },
  "not-changed": {
    effect: "undecidable",
    description: "A `not` with another schema (C3).",
    sources: ["Confluent NOT_TYPE_EXTENDED", "Confluent NOT_TYPE_NARROWED"],
  },
  "conditional-added": {
    effect: "narrows",
    description: "An `if` with `then`/`else` where there was none.",
    sources: ["oasdiff request-property-if-added"],
  },
  "conditional-removed": {
    effect: "widens",
    description: "The `if`/`then`/`else` dropped.",
    sources: ["oasdiff response-property-if-removed"],
  },
  "conditional-changed": {
    effect: "undecidable",
    description: "`if`, `then` or `else` changed (C3).",
    sources: ["oasdiff request-property-then-removed"],
  },

  // What the comparison does not follow (C3): never reported as compatible.
  "unevaluated-changed": {
    effect: "undecidable",
    description:
      "A subschema with `unevaluatedProperties` or `unevaluatedItems` changed: what counts as evaluated depends on every applicator.",
    sources: ["Confluent UNEVALUATED_PROPERTIES_NARROWED"],
  },
  "ref-not-followed": {
    effect: "undecidable",
    description:
      "A `$ref` that could not be followed: not local, `$dynamicRef`, under a nested `$id`, or beside other keywords on one side only (a reshaped `$ref` graph).",
    sources: [],
  },
  "ref-cycle-not-followed": {
    effect: "undecidable",
    description: "A `$ref` cycle that comes back without entering a member or an item.",
    sources: [],
  },
  "keyword-changed": {
    effect: "undecidable",
    description:
      "A keyword the comparison does not model (or that the two dialects read differently) added, removed or changed.",
    sources: [],
  },
  "comparison-too-complex": {
    effect: "undecidable",
    description: "The comparison stopped at its work bound; what it did not compare is not called compatible.",
    sources: [],
  },
} as const satisfies Record<string, DifferenceKindInfo>;

/** What a {@link DIFFERENCE_KINDS} entry says. */
export interface DifferenceKindInfo {
  /** What the change usually does to the set of valid instances. */
  readonly effect: "narrows" | "widens" | "incomparable" | "depends" | "undecidable" | "breaks" | "compatible";
  /** One line for the docs. */
  readonly description: string;
  /** The oasdiff check ids and Confluent difference types it corresponds to. */
  readonly sources: readonly string[];
}

/** A kind of {@link DIFFERENCE_KINDS}. */
export type DifferenceKind = keyof typeof DIFFERENCE_KINDS;
