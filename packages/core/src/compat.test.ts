// The compatibility table (RULES.md C1-C4): schema pairs with the verdict expected for an input
// and for an output. Rows follow oasdiff's breaking-change checks (its check ids, and the examples
// of docs/BREAKING-CHANGES-EXAMPLES.md) and Confluent Schema Registry's JSON Schema difference
// types (`io.confluent.kafka.schemaregistry.json.diff.Difference.Type`), read soundly: where
// oasdiff calls a change compatible that refuses some input (an optional property added to an
// open object, Confluent's OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL), the table says breaking.
import type { RegistrationPayload } from "@rune/mrs-schema";
import { describe, expect, it } from "vitest";
import {
  type CompatibilityDifference,
  compareRegistrations,
  DIFFERENCE_KINDS,
  type DifferenceKind,
  declaresBreakingChange,
  nextBreakingVersion,
  validateRegistration,
} from "./index.js";

type Schema = Record<string, unknown>;
/** `same`: no difference at all; otherwise the worst verdict among the differences. */
type Verdict = "same" | "compatible" | "breaking" | "undecidable";

interface Row {
  readonly rule: "C1" | "C3" | "C4";
  readonly name: string;
  /** Where the idea comes from: an oasdiff check id or example, a Confluent difference type. */
  readonly source?: string;
  readonly old: Schema;
  readonly new: Schema;
  readonly input: Verdict;
  readonly output: Verdict;
  /** Kinds every direction must report (in any order, possibly among others). */
  readonly kinds?: readonly DifferenceKind[];
}

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** An object schema with one member `x`. */
const x = (schema: unknown, extra: Schema = {}): Schema => ({ type: "object", properties: { x: schema }, ...extra });
/** An object schema with the members given. */
const object = (properties: Schema, extra: Schema = {}): Schema => ({ type: "object", properties, ...extra });
const closed = { additionalProperties: false };
/** An `if`/`then` pair of JSON Schema keywords. */
const ifThen = (condition: Schema, consequence: Schema): Schema => ({
  if: condition,
  // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here, never awaited
  then: consequence,
});

const ROWS: readonly Row[] = [
  // --- nothing that changes validity ---
  {
    rule: "C1",
    name: "the same schema",
    old: x({ type: "string" }),
    new: x({ type: "string" }),
    input: "same",
    output: "same",
  },
  {
    rule: "C1",
    name: "annotations only (description, default, examples, x- extensions)",
    old: x({ type: "string", description: "old", default: "a" }),
    new: x({ type: "string", description: "new", default: "b", examples: ["c"], "x-note": 1 }),
    input: "same",
    output: "same",
  },
  {
    rule: "C1",
    name: "members in another order",
    old: object({ a: { type: "string" }, b: { type: "integer", minimum: 0 } }, { required: ["a", "b"] }),
    new: object({ b: { minimum: 0, type: "integer" }, a: { type: "string" } }, { required: ["b", "a"] }),
    input: "same",
    output: "same",
  },

  // --- properties added: the content model decides (C4) ---
  {
    rule: "C1",
    name: "optional property added to a closed object: the everyday case, widens",
    source: "Confluent OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL; oasdiff new-optional-request-property",
    old: object({ a: { type: "string" } }, closed),
    new: object({ a: { type: "string" }, b: { type: "integer" } }, closed),
    input: "compatible",
    output: "breaking",
    kinds: ["optional-property-added-to-closed-object"],
  },
  {
    rule: "C4",
    name: "optional property added to an open object narrows: an input carrying that name with another type was accepted",
    source: "Confluent OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL (formerly PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL)",
    old: object({ a: { type: "string" } }),
    new: object({ a: { type: "string" }, b: { type: "integer" } }),
    input: "breaking",
    output: "compatible",
    kinds: ["optional-property-added-to-open-object"],
  },
  {
    rule: "C4",
    name: "optional property added to a nested open object narrows too",
    old: object({ options: object({ a: { type: "string" } }) }, closed),
    new: object({ options: object({ a: { type: "string" }, b: { type: "boolean" } }) }, closed),
    input: "breaking",
    output: "compatible",
    kinds: ["optional-property-added-to-open-object"],
  },
  {
    rule: "C4",
    name: "optional property with a schema that accepts anything, added to an open object: no change",
    source: "Confluent PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
    old: object({ a: { type: "string" } }),
    new: object({ a: { type: "string" }, b: { description: "anything" } }),
    input: "compatible",
    output: "compatible",
    kinds: ["optional-property-added-to-open-object"],
  },
  {
    rule: "C1",
    name: "required property added to a closed object: old inputs lack it, new outputs carry a refused member",
    source: "oasdiff new-required-request-property; Confluent REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
    old: object({ a: { type: "string" } }, closed),
    new: object({ a: { type: "string" }, b: { type: "integer" } }, { ...closed, required: ["b"] }),
    input: "breaking",
    output: "breaking",
    kinds: ["required-property-added-to-closed-object"],
  },
  {
    rule: "C1",
    name: "required property added to an open object: breaks inputs; a required added to an output is not breaking",
    source:
      "oasdiff new-required-request-property; oasdiff 'adding a new required property in response body is not breaking'",
    old: object({ a: { type: "string" } }),
    new: object({ a: { type: "string" }, b: { type: "integer" } }, { required: ["b"] }),
    input: "breaking",
    output: "compatible",
    kinds: ["required-property-added-to-open-object"],
  },
  {
    rule: "C1",
    name: "property added where additionalProperties is a schema: compared with that schema",
    source: "Confluent PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    old: object({}, { additionalProperties: { type: "string" } }),
    new: object({ b: { type: "string", maxLength: 5 } }, { additionalProperties: { type: "string" } }),
    input: "breaking",
    output: "compatible",
    kinds: ["optional-property-added-to-partially-open-object", "max-length-added"],
  },
  {
    rule: "C1",
    name: "property added where additionalProperties is the same schema: no change",
    old: object({}, { additionalProperties: { type: "string" } }),
    new: object({ b: { type: "string" } }, { additionalProperties: { type: "string" } }),
    input: "compatible",
    output: "compatible",
  },
  {
    rule: "C1",
    name: "property added to a closed object whose patternProperties do not match its name",
    old: object({}, { ...closed, patternProperties: { "^x-": { type: "string" } } }),
    new: object({ b: { type: "integer" } }, { ...closed, patternProperties: { "^x-": { type: "string" } } }),
    input: "compatible",
    output: "breaking",
    kinds: ["optional-property-added-to-closed-object"],
  },
  {
    rule: "C1",
    name: "property added whose name a patternProperties entry covers: compared with that entry",
    old: object({}, { ...closed, patternProperties: { "^x-": { type: "string" } } }),
    new: object(
      { "x-b": { type: "string", minLength: 1 } },
      { ...closed, patternProperties: { "^x-": { type: "string" } } },
    ),
    input: "breaking",
    output: "compatible",
    kinds: ["optional-property-added-to-partially-open-object", "min-length-added"],
  },

  // --- properties removed ---
  {
    rule: "C1",
    name: "property removed from a closed object: a real removal",
    source: "Confluent PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL; oasdiff request-property-removed",
    old: object({ a: { type: "string" }, b: { type: "integer" } }, closed),
    new: object({ a: { type: "string" } }, closed),
    input: "breaking",
    output: "compatible",
    kinds: ["optional-property-removed-from-closed-object"],
  },
  {
    rule: "C1",
    name: "property removed from an open object: the member may hold anything",
    source: "Confluent PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL; oasdiff response-optional-property-removed",
    old: object({ a: { type: "string" }, b: { type: "integer" } }),
    new: object({ a: { type: "string" } }),
    input: "compatible",
    output: "breaking",
    kinds: ["optional-property-removed-from-open-object"],
  },
  {
    rule: "C1",
    name: "required property removed from an output",
    source: "oasdiff response-required-property-removed ('deleting a required property in response body is breaking')",
    old: object({ a: { type: "string" } }, { required: ["a"] }),
    new: object({}),
    input: "compatible",
    output: "breaking",
    kinds: ["required-property-removed-from-open-object"],
  },
  {
    rule: "C1",
    name: "required property removed from a closed object: incomparable",
    old: object({ a: { type: "string" } }, { ...closed, required: ["a"] }),
    new: object({}, closed),
    input: "breaking",
    output: "breaking",
    kinds: ["required-property-removed-from-closed-object"],
  },
  {
    rule: "C1",
    name: "property removed where additionalProperties is the same schema: no change",
    source: "Confluent PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    old: object({ b: { type: "string" } }, { additionalProperties: { type: "string" } }),
    new: object({}, { additionalProperties: { type: "string" } }),
    input: "compatible",
    output: "compatible",
    kinds: ["optional-property-removed-from-partially-open-object"],
  },

  // --- required ---
  {
    rule: "C1",
    name: "optional made required",
    source:
      "oasdiff request-property-became-required (error) and response-property-became-required (info); Confluent REQUIRED_ATTRIBUTE_ADDED",
    old: x({ type: "string" }),
    new: x({ type: "string" }, { required: ["x"] }),
    input: "breaking",
    output: "compatible",
    kinds: ["property-became-required"],
  },
  {
    rule: "C1",
    name: "required made optional",
    source: "oasdiff response-property-became-optional (error) and request-property-became-optional (info)",
    old: x({ type: "string" }, { required: ["x"] }),
    new: x({ type: "string" }),
    input: "compatible",
    output: "breaking",
    kinds: ["property-became-optional"],
  },

  // --- types ---
  {
    rule: "C1",
    name: "number narrowed to integer",
    source: "oasdiff 'changing request's body schema type from number to integer is breaking'; Confluent TYPE_NARROWED",
    old: x({ type: "number" }),
    new: x({ type: "integer" }),
    input: "breaking",
    output: "compatible",
    kinds: ["type-narrowed"],
  },
  {
    rule: "C1",
    name: "integer widened to number",
    source:
      "oasdiff 'changing response's body schema type from integer to number is breaking'; Confluent TYPE_EXTENDED",
    old: x({ type: "integer" }),
    new: x({ type: "number" }),
    input: "compatible",
    output: "breaking",
    kinds: ["type-widened"],
  },
  {
    rule: "C1",
    name: "string changed to number",
    source: "oasdiff request-property-type-changed / response-property-type-changed; Confluent TYPE_CHANGED",
    old: x({ type: "string" }),
    new: x({ type: "number" }),
    input: "breaking",
    output: "breaking",
    kinds: ["type-changed"],
  },
  {
    rule: "C1",
    name: "null added to a type list",
    source: "oasdiff request-property-became-nullable (info), response-property-became-nullable (error)",
    old: x({ type: "string" }),
    new: x({ type: ["string", "null"] }),
    input: "compatible",
    output: "breaking",
    kinds: ["type-widened"],
  },
  {
    rule: "C1",
    name: "null removed from a type list",
    source: "oasdiff request-property-became-not-nullable",
    old: x({ type: ["string", "null"] }),
    new: x({ type: "string" }),
    input: "breaking",
    output: "compatible",
    kinds: ["type-narrowed"],
  },
  {
    rule: "C1",
    name: "a type where there was none",
    old: x({ description: "anything" }),
    new: x({ type: "string" }),
    input: "breaking",
    output: "compatible",
    kinds: ["type-narrowed"],
  },
  {
    rule: "C1",
    name: "string keywords no longer matter once strings are refused: only the type is reported",
    old: x({ type: ["string", "integer"], maxLength: 3 }),
    new: x({ type: "integer", maxLength: 10 }),
    input: "breaking",
    output: "compatible",
    kinds: ["type-narrowed"],
  },

  // --- values ---
  {
    rule: "C1",
    name: "enum value removed",
    source: "oasdiff request-property-enum-value-removed; Confluent ENUM_ARRAY_NARROWED",
    old: x({ type: "string", enum: ["a", "b"] }),
    new: x({ type: "string", enum: ["a"] }),
    input: "breaking",
    output: "compatible",
    kinds: ["enum-value-removed"],
  },
  {
    rule: "C1",
    name: "enum value added",
    source: "oasdiff response-property-enum-value-added; Confluent ENUM_ARRAY_EXTENDED",
    old: x({ type: "string", enum: ["a"] }),
    new: x({ type: "string", enum: ["a", "b"] }),
    input: "compatible",
    output: "breaking",
    kinds: ["enum-value-added"],
  },
  {
    rule: "C1",
    name: "enum added",
    source: "oasdiff request-property-became-enum",
    old: x({ type: "string" }),
    new: x({ type: "string", enum: ["a"] }),
    input: "breaking",
    output: "compatible",
    kinds: ["enum-added"],
  },
  {
    rule: "C1",
    name: "enum dropped",
    old: x({ type: "string", enum: ["a"] }),
    new: x({ type: "string" }),
    input: "compatible",
    output: "breaking",
    kinds: ["enum-removed"],
  },
  {
    rule: "C1",
    name: "const changed",
    source: "oasdiff request-property-const-changed",
    old: x({ const: "a" }),
    new: x({ const: "b" }),
    input: "breaking",
    output: "breaking",
    kinds: ["const-changed"],
  },
  {
    rule: "C1",
    name: "const replaced by an enum that holds it",
    old: x({ const: "a" }),
    new: x({ enum: ["a", "b"] }),
    input: "compatible",
    output: "breaking",
    kinds: ["enum-value-added"],
  },
  {
    rule: "C1",
    name: "enum values compared as JSON: 1 and 1.0 are one value, objects whatever their member order",
    old: x({ enum: [1, { a: 1, b: 2 }] }),
    new: x({ enum: [1.0, { b: 2, a: 1 }] }),
    input: "same",
    output: "same",
  },

  // --- bounds ---
  ...(
    [
      [
        "maxLength decreased",
        "oasdiff request-property-max-length-decreased",
        { maxLength: 10 },
        { maxLength: 5 },
        "narrows",
        "max-length-decreased",
      ],
      [
        "maxLength increased",
        "oasdiff response-property-max-length-increased",
        { maxLength: 5 },
        { maxLength: 10 },
        "widens",
        "max-length-increased",
      ],
      [
        "maxLength added",
        "oasdiff request-property-max-length-set",
        {},
        { maxLength: 5 },
        "narrows",
        "max-length-added",
      ],
      [
        "maxLength removed",
        "oasdiff response-property-max-length-unset",
        { maxLength: 5 },
        {},
        "widens",
        "max-length-removed",
      ],
      [
        "minLength increased",
        "oasdiff request-property-min-length-increased",
        { minLength: 1 },
        { minLength: 2 },
        "narrows",
        "min-length-increased",
      ],
      [
        "minLength decreased",
        "oasdiff response-property-min-length-decreased",
        { minLength: 2 },
        { minLength: 1 },
        "widens",
        "min-length-decreased",
      ],
    ] as const
  ).map(
    ([name, source, before, after, effect, kind]): Row => ({
      rule: "C1",
      name,
      source: `${source}; Confluent ${kind.toUpperCase().replaceAll("-", "_")}`,
      old: x({ type: "string", ...before }),
      new: x({ type: "string", ...after }),
      input: effect === "narrows" ? "breaking" : "compatible",
      output: effect === "narrows" ? "compatible" : "breaking",
      kinds: [kind],
    }),
  ),
  ...(
    [
      [
        "minimum increased",
        "oasdiff request-property-min-increased",
        { minimum: 0 },
        { minimum: 1 },
        "narrows",
        "minimum-increased",
      ],
      [
        "minimum decreased",
        "oasdiff response-property-min-decreased",
        { minimum: 1 },
        { minimum: 0 },
        "widens",
        "minimum-decreased",
      ],
      [
        "maximum decreased",
        "oasdiff request-property-max-decreased",
        { maximum: 10 },
        { maximum: 9 },
        "narrows",
        "maximum-decreased",
      ],
      [
        "maximum increased",
        "oasdiff response-property-max-increased",
        { maximum: 9 },
        { maximum: 10 },
        "widens",
        "maximum-increased",
      ],
      [
        "exclusiveMinimum added",
        "oasdiff request-property-exclusive-min-set",
        {},
        { exclusiveMinimum: 0 },
        "narrows",
        "exclusive-minimum-added",
      ],
      [
        "exclusiveMaximum decreased",
        "oasdiff request-property-exclusive-max-decreased",
        { exclusiveMaximum: 10 },
        { exclusiveMaximum: 5 },
        "narrows",
        "exclusive-maximum-decreased",
      ],
      [
        "minimum 0 replaced by exclusiveMinimum 0: tightened",
        "Confluent EXCLUSIVE_MINIMUM_ADDED",
        { minimum: 0 },
        { exclusiveMinimum: 0 },
        "narrows",
        "exclusive-minimum-added",
      ],
      [
        "exclusiveMaximum 10 replaced by maximum 10: loosened",
        "Confluent MAXIMUM_ADDED",
        { exclusiveMaximum: 10 },
        { maximum: 10 },
        "widens",
        "maximum-added",
      ],
    ] as const
  ).map(
    ([name, source, before, after, effect, kind]): Row => ({
      rule: "C1",
      name,
      source,
      old: x({ type: "number", ...before }),
      new: x({ type: "number", ...after }),
      input: effect === "narrows" ? "breaking" : "compatible",
      output: effect === "narrows" ? "compatible" : "breaking",
      kinds: [kind],
    }),
  ),
  {
    rule: "C1",
    name: "a bound made redundant by the other keyword of its side: no change",
    old: x({ type: "number", minimum: 5, exclusiveMinimum: 1 }),
    new: x({ type: "number", minimum: 5 }),
    input: "same",
    output: "same",
  },
  {
    rule: "C1",
    name: "minLength 0 added: no change",
    old: x({ type: "string" }),
    new: x({ type: "string", minLength: 0 }),
    input: "same",
    output: "same",
  },
  {
    rule: "C1",
    name: "minItems increased",
    source: "oasdiff request-property-min-items-increased; Confluent MIN_ITEMS_INCREASED",
    old: x({ type: "array", minItems: 1 }),
    new: x({ type: "array", minItems: 2 }),
    input: "breaking",
    output: "compatible",
    kinds: ["min-items-increased"],
  },
  {
    rule: "C1",
    name: "maxItems decreased",
    source: "Confluent MAX_ITEMS_DECREASED",
    old: x({ type: "array", maxItems: 10 }),
    new: x({ type: "array", maxItems: 5 }),
    input: "breaking",
    output: "compatible",
    kinds: ["max-items-decreased"],
  },
  {
    rule: "C1",
    name: "minProperties added",
    source: "Confluent MIN_PROPERTIES_ADDED",
    old: x({ type: "object" }),
    new: x({ type: "object", minProperties: 1 }),
    input: "breaking",
    output: "compatible",
    kinds: ["min-properties-added"],
  },
  {
    rule: "C1",
    name: "maxProperties removed",
    source: "Confluent MAX_PROPERTIES_REMOVED",
    old: x({ type: "object", maxProperties: 3 }),
    new: x({ type: "object" }),
    input: "compatible",
    output: "breaking",
    kinds: ["max-properties-removed"],
  },
  {
    rule: "C1",
    name: "uniqueItems added",
    source: "Confluent UNIQUE_ITEMS_ADDED",
    old: x({ type: "array" }),
    new: x({ type: "array", uniqueItems: true }),
    input: "breaking",
    output: "compatible",
    kinds: ["unique-items-added"],
  },
  {
    rule: "C1",
    name: "multipleOf added",
    source: "Confluent MULTIPLE_OF_ADDED",
    old: x({ type: "number" }),
    new: x({ type: "number", multipleOf: 2 }),
    input: "breaking",
    output: "compatible",
    kinds: ["multiple-of-added"],
  },
  {
    rule: "C3",
    name: "multipleOf changed is undecidable",
    source: "Confluent MULTIPLE_OF_CHANGED",
    old: x({ type: "number", multipleOf: 0.1 }),
    new: x({ type: "number", multipleOf: 0.3 }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["multiple-of-changed"],
  },

  // --- strings: format and pattern ---
  {
    rule: "C1",
    name: "format added",
    source: "oasdiff 'changing request's ... type from number/none to integer/int32 is breaking' (format)",
    old: x({ type: "string" }),
    new: x({ type: "string", format: "uuid" }),
    input: "breaking",
    output: "compatible",
    kinds: ["format-added"],
  },
  {
    rule: "C1",
    name: "format removed",
    old: x({ type: "string", format: "uuid" }),
    new: x({ type: "string" }),
    input: "compatible",
    output: "breaking",
    kinds: ["format-removed"],
  },
  {
    rule: "C3",
    name: "format changed is undecidable",
    old: x({ type: "string", format: "uri" }),
    new: x({ type: "string", format: "uri-reference" }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["format-changed"],
  },
  {
    rule: "C1",
    name: "pattern added",
    source:
      "oasdiff 'adding a pattern to a schema is breaking' (request-property-pattern-added); Confluent PATTERN_ADDED",
    old: x({ type: "string" }),
    new: x({ type: "string", pattern: "^[a-z]+$" }),
    input: "breaking",
    output: "compatible",
    kinds: ["pattern-added"],
  },
  {
    rule: "C3",
    name: "pattern changed is undecidable, even when it looks wider",
    source: "oasdiff request-property-pattern-changed; Confluent PATTERN_CHANGED",
    old: x({ type: "string", pattern: "^[a-z]+$" }),
    new: x({ type: "string", pattern: "^[a-z0-9]+$" }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["pattern-changed"],
  },

  // --- additionalProperties and items ---
  {
    rule: "C1",
    name: "additionalProperties: false dropped",
    source: "Confluent ADDITIONAL_PROPERTIES_ADDED",
    old: object({ a: { type: "string" } }, closed),
    new: object({ a: { type: "string" } }),
    input: "compatible",
    output: "breaking",
    kinds: ["additional-properties-allowed"],
  },
  {
    rule: "C1",
    name: "additionalProperties: false added",
    source: "Confluent ADDITIONAL_PROPERTIES_REMOVED",
    old: object({ a: { type: "string" } }),
    new: object({ a: { type: "string" } }, closed),
    input: "breaking",
    output: "compatible",
    kinds: ["additional-properties-forbidden"],
  },
  {
    rule: "C1",
    name: "additionalProperties schema narrowed",
    source: "Confluent ADDITIONAL_PROPERTIES_NARROWED",
    old: object({}, { additionalProperties: { type: ["string", "number"] } }),
    new: object({}, { additionalProperties: { type: "string" } }),
    input: "breaking",
    output: "compatible",
    kinds: ["type-narrowed"],
  },
  {
    rule: "C1",
    name: "items type widened",
    source: "oasdiff response-property-type-generalized (items)",
    old: x({ type: "array", items: { type: "integer" } }),
    new: x({ type: "array", items: { type: "number" } }),
    input: "compatible",
    output: "breaking",
    kinds: ["type-widened"],
  },
  {
    rule: "C1",
    name: "a tuple item added where further items were refused",
    old: x({ type: "array", prefixItems: [{ type: "string" }], items: false }),
    new: x({ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], items: false }),
    input: "compatible",
    output: "breaking",
    kinds: ["schema-no-longer-refuses-everything"],
  },
  {
    rule: "C1",
    name: "a member's schema became false",
    old: x({ type: "string" }),
    new: x(false),
    input: "breaking",
    output: "compatible",
    kinds: ["schema-now-refuses-everything"],
  },
  {
    rule: "C1",
    name: "contains added",
    source: "oasdiff request-property-contains-added",
    old: x({ type: "array" }),
    new: x({ type: "array", contains: { const: 1 } }),
    input: "breaking",
    output: "compatible",
    kinds: ["contains-added"],
  },
  {
    rule: "C1",
    name: "propertyNames tightened",
    old: x({ type: "object", propertyNames: { maxLength: 10 } }),
    new: x({ type: "object", propertyNames: { maxLength: 5 } }),
    input: "breaking",
    output: "compatible",
    kinds: ["max-length-decreased"],
  },
  {
    rule: "C1",
    name: "dependentRequired added",
    source: "oasdiff request-property-dependent-required-added; Confluent DEPENDENCY_ARRAY_EXTENDED",
    old: object({ a: { type: "string" }, b: { type: "string" } }),
    new: object({ a: { type: "string" }, b: { type: "string" } }, { dependentRequired: { a: ["b"] } }),
    input: "breaking",
    output: "compatible",
    kinds: ["dependent-required-added"],
  },

  // --- references ---
  {
    rule: "C1",
    name: "a $ref followed into $defs: the change is found where it is",
    old: { ...x({ $ref: "#/$defs/name" }), $defs: { name: { type: "string", maxLength: 10 } } },
    new: { ...x({ $ref: "#/$defs/name" }), $defs: { name: { type: "string", maxLength: 5 } } },
    input: "breaking",
    output: "compatible",
    kinds: ["max-length-decreased"],
  },
  {
    rule: "C1",
    name: "a $ref replaced by the same schema inline: no change",
    old: { ...x({ $ref: "#/$defs/name" }), $defs: { name: { type: "string", maxLength: 10 } } },
    new: x({ type: "string", maxLength: 10 }),
    input: "same",
    output: "same",
  },
  {
    rule: "C1",
    name: "a recursive $ref (a tree): compared without looping, the change deep inside found",
    old: {
      ...x({ $ref: "#/$defs/node" }),
      $defs: {
        node: object({ name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/node" } } }),
      },
    },
    new: {
      ...x({ $ref: "#/$defs/node" }),
      $defs: {
        node: object({
          name: { type: "string", maxLength: 3 },
          children: { type: "array", items: { $ref: "#/$defs/node" } },
        }),
      },
    },
    input: "breaking",
    output: "compatible",
    kinds: ["max-length-added"],
  },
  {
    rule: "C3",
    name: "a $ref cycle that enters no member or item is not followed",
    old: { ...x({ $ref: "#/$defs/loop" }), $defs: { loop: { anyOf: [{ $ref: "#/$defs/loop" }, { type: "string" }] } } },
    new: { ...x({ $ref: "#/$defs/loop" }), $defs: { loop: { anyOf: [{ $ref: "#/$defs/loop" }, { type: "number" }] } } },
    input: "breaking",
    output: "breaking",
    kinds: ["ref-cycle-not-followed"],
  },
  {
    rule: "C3",
    name: "a $ref beside other keywords on one side only: a reshaped graph",
    old: { ...x({ $ref: "#/$defs/name", maxLength: 5 }), $defs: { name: { type: "string" } } },
    new: x({ type: "string", maxLength: 5 }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["ref-not-followed"],
  },
  {
    rule: "C1",
    name: "a draft-07 tuple and the same draft 2020-12 tuple: no change across dialects",
    old: { $schema: DRAFT_07, ...x({ type: "array", items: [{ type: "string" }], additionalItems: false }) },
    new: x({ type: "array", prefixItems: [{ type: "string" }], items: false }),
    input: "same",
    output: "same",
  },

  // --- applicators ---
  {
    rule: "C1",
    name: "allOf branch added",
    source:
      "oasdiff 'adding allOf subschema to the request body or request body property is breaking'; Confluent PRODUCT_TYPE_EXTENDED",
    old: x({ allOf: [{ type: "string" }] }),
    new: x({ allOf: [{ type: "string" }, { maxLength: 3 }] }),
    input: "breaking",
    output: "compatible",
    kinds: ["all-of-branch-added"],
  },
  {
    rule: "C1",
    name: "allOf branch removed",
    source: "oasdiff 'removing allOf subschema ... is breaking with warn'; Confluent PRODUCT_TYPE_NARROWED",
    old: x({ allOf: [{ type: "string" }, { maxLength: 3 }] }),
    new: x({ allOf: [{ type: "string" }] }),
    input: "compatible",
    output: "breaking",
    kinds: ["all-of-branch-removed"],
  },
  {
    rule: "C1",
    name: "anyOf branch added",
    source: "oasdiff response-property-any-of-added; Confluent SUM_TYPE_EXTENDED",
    old: x({ anyOf: [{ type: "string" }, { type: "integer" }] }),
    new: x({ anyOf: [{ type: "string" }, { type: "integer" }, { type: "boolean" }] }),
    input: "compatible",
    output: "breaking",
    kinds: ["any-of-branch-added"],
  },
  {
    rule: "C1",
    name: "anyOf branch removed",
    source:
      "oasdiff 'removing anyOf schema from the request body or request body property is breaking'; Confluent SUM_TYPE_NARROWED",
    old: x({ anyOf: [{ type: "string" }, { type: "integer" }] }),
    new: x({ anyOf: [{ type: "string" }] }),
    input: "breaking",
    output: "compatible",
    kinds: ["any-of-branch-removed"],
  },
  {
    rule: "C1",
    name: "anyOf branch moved and changed: matched, then compared",
    old: x({ anyOf: [{ type: "string", maxLength: 5 }, { type: "integer" }] }),
    new: x({ anyOf: [{ type: "integer" }, { type: "string", maxLength: 10 }] }),
    input: "compatible",
    output: "breaking",
    kinds: ["max-length-increased"],
  },
  {
    rule: "C1",
    name: "wrapped in anyOf with null: an input accepts more, an output may be null",
    source: "oasdiff request-body-wrapped-in-one-of",
    old: x({ type: "string" }),
    new: x({ anyOf: [{ type: "string" }, { type: "null" }] }),
    input: "compatible",
    output: "breaking",
    kinds: ["any-of-added"],
  },
  {
    rule: "C1",
    name: "oneOf branch added, branches of distinct types",
    source: "oasdiff response-property-one-of-added; Confluent SUM_TYPE_EXTENDED",
    old: x({ oneOf: [{ type: "string" }, { type: "integer" }] }),
    new: x({ oneOf: [{ type: "string" }, { type: "integer" }, { type: "boolean" }] }),
    input: "compatible",
    output: "breaking",
    kinds: ["one-of-branch-added"],
  },
  {
    rule: "C1",
    name: "oneOf branch removed, branches told apart by a discriminating const",
    source: "oasdiff request-property-one-of-removed; Confluent SUM_TYPE_NARROWED",
    old: x({
      oneOf: [
        object({ kind: { const: "a" } }, { required: ["kind"] }),
        object({ kind: { const: "b" } }, { required: ["kind"] }),
      ],
    }),
    new: x({ oneOf: [object({ kind: { const: "a" } }, { required: ["kind"] })] }),
    input: "breaking",
    output: "compatible",
    kinds: ["one-of-branch-removed"],
  },
  {
    rule: "C3",
    name: "oneOf branch added that may overlap another: undecidable (an input matching both is refused)",
    source: "Confluent COMBINED_TYPE_SUBSCHEMAS_CHANGED",
    old: x({ oneOf: [{ type: "string" }, { type: "integer" }] }),
    new: x({ oneOf: [{ type: "string" }, { type: "integer" }, { type: "string", maxLength: 3 }] }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["one-of-changed"],
  },
  {
    rule: "C3",
    name: "not changed is undecidable",
    source: "Confluent NOT_TYPE_NARROWED / NOT_TYPE_EXTENDED",
    old: x({ not: { type: "string" } }),
    new: x({ not: { type: "integer" } }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["not-changed"],
  },
  {
    rule: "C1",
    name: "not added",
    old: x({}),
    new: x({ not: { type: "string" } }),
    input: "breaking",
    output: "compatible",
    kinds: ["not-added"],
  },
  {
    rule: "C3",
    name: "then changed is undecidable",
    source: "oasdiff request-property-then-removed",
    old: x({ type: "object", ...ifThen({ required: ["a"] }, { required: ["b"] }) }),
    new: x({ type: "object", ...ifThen({ required: ["a"] }, { required: ["c"] }) }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["conditional-changed"],
  },
  {
    rule: "C1",
    name: "if/then added",
    source: "oasdiff request-property-if-added",
    old: x({ type: "object" }),
    new: x({ type: "object", ...ifThen({ required: ["a"] }, { required: ["b"] }) }),
    input: "breaking",
    output: "compatible",
    kinds: ["conditional-added"],
  },

  // --- what is not modelled (C3) ---
  {
    rule: "C3",
    name: "dependentSchemas changed is undecidable",
    source: "Confluent DEPENDENCY_SCHEMA_ADDED; oasdiff request-property-dependent-schema-added",
    old: object({ a: { type: "string" } }, { dependentSchemas: { a: { required: ["b"] } } }),
    new: object({ a: { type: "string" } }, { dependentSchemas: { a: { required: ["c"] } } }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["dependent-schemas-changed"],
  },
  {
    rule: "C3",
    name: "an unknown keyword changed is undecidable (an x- extension is not)",
    old: x({ type: "string", someVocabularyKeyword: 1, "x-vendor": 1 }),
    new: x({ type: "string", someVocabularyKeyword: 2, "x-vendor": 2 }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["keyword-changed"],
  },
  {
    rule: "C3",
    name: "a subschema with unevaluatedProperties that changed is undecidable",
    source: "Confluent UNEVALUATED_PROPERTIES_NARROWED",
    old: object({}, { allOf: [object({ a: { type: "string" } })], unevaluatedProperties: false }),
    new: object(
      {},
      { allOf: [object({ a: { type: "string" }, b: { type: "string" } })], unevaluatedProperties: false },
    ),
    input: "breaking",
    output: "undecidable",
    kinds: ["unevaluated-changed"],
  },
  {
    rule: "C3",
    name: "a patternProperties entry added is undecidable",
    source: "oasdiff request-property-pattern-property-added",
    old: object({}),
    new: object({}, { patternProperties: { "^x-": { type: "string" } } }),
    input: "undecidable",
    output: "undecidable",
    kinds: ["pattern-property-added"],
  },
];

const payload = (version: string, input: Schema, output: Schema = { type: "object" }): RegistrationPayload =>
  ({
    registration_metadata: { module_name: "table", module_version: version, registered_at: "2025-12-01T00:00:00Z" },
    capabilities: [{ action: "act", description: "An action", input_schema: input, output_schema: output }],
  }) as RegistrationPayload;

function verdictOf(differences: readonly CompatibilityDifference[]): Verdict {
  if (differences.length === 0) return "same";
  if (differences.some((d) => d.breaking === true)) return "breaking";
  if (differences.some((d) => d.breaking === "undecidable")) return "undecidable";
  return "compatible";
}

function compareAs(direction: "input" | "output", row: Row) {
  const trivial = { type: "object" };
  const before = direction === "input" ? payload("1.0.0", row.old, trivial) : payload("1.0.0", trivial, row.old);
  const after = direction === "input" ? payload("1.0.1", row.new, trivial) : payload("1.0.1", trivial, row.new);
  return compareRegistrations(before, after);
}

describe("compareRegistrations: the compatibility table (oasdiff and Confluent, read soundly)", () => {
  it.each(ROWS.map((row) => [`MRS-${row.rule} ${row.name}`, row] as const))("%s", (_, row) => {
    // The table's schemas are real ones: each passes MRS validation, as held and new payloads do.
    for (const schema of [row.old, row.new]) {
      const checked = validateRegistration(payload("1.0.0", schema));
      expect(checked.errors, JSON.stringify(schema)).toEqual([]);
    }
    for (const direction of ["input", "output"] as const) {
      const report = compareAs(direction, row);
      const summary = report.differences.map((d) => `${d.kind} ${d.breaking}: ${d.message}`);
      expect(verdictOf(report.differences), `${direction}:\n${summary.join("\n")}`).toBe(row[direction]);
      expect(report.breaking).toBe(row[direction] === "breaking" || row[direction] === "undecidable");
      for (const kind of row.kinds ?? []) expect(report.differences.map((d) => d.kind)).toContain(kind);
      for (const d of report.differences) {
        expect(Object.keys(DIFFERENCE_KINDS)).toContain(d.kind);
        expect(d.message.startsWith(direction)).toBe(true);
      }
    }
  });
});

describe("MRS-C1 differences as data", () => {
  it("MRS-C1 an action removed breaks, an action added does not; pointers follow each payload's own order", () => {
    const before = {
      ...payload("1.0.0", x({ type: "string" })),
      capabilities: [
        { action: "keep", description: "d", input_schema: x({ type: "string" }), output_schema: { type: "object" } },
        { action: "drop", description: "d", input_schema: { type: "object" }, output_schema: { type: "object" } },
      ],
    } as RegistrationPayload;
    const after = {
      ...payload("1.1.0", x({ type: "string" })),
      capabilities: [
        { action: "fresh", description: "d", input_schema: { type: "object" }, output_schema: { type: "object" } },
        { action: "keep", description: "d", input_schema: x({ type: "integer" }), output_schema: { type: "object" } },
      ],
    } as RegistrationPayload;
    const report = compareRegistrations(before, after);
    expect(report).toEqual({
      breaking: true,
      declared: false,
      differences: [
        {
          kind: "type-changed",
          action: "keep",
          breaking: true,
          old_pointer: "/capabilities/0/input_schema/properties/x/type",
          new_pointer: "/capabilities/1/input_schema/properties/x/type",
          message: expect.stringMatching(/^input \/x: type "string" became "integer"/),
        },
        {
          kind: "action-removed",
          action: "drop",
          breaking: true,
          old_pointer: "/capabilities/1",
          message: expect.stringContaining('"drop" removed'),
        },
        {
          kind: "action-added",
          action: "fresh",
          breaking: false,
          new_pointer: "/capabilities/0",
          message: expect.stringContaining('"fresh" added'),
        },
      ],
    });
    // Plain JSON, for a decision record: nothing lost in a round trip.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("MRS-C1 a property added points at the new member and at the old object's content model", () => {
    const report = compareRegistrations(
      payload("1.0.0", object({}, closed)),
      payload("1.1.0", object({ x: { type: "string" } }, closed)),
    );
    expect(report.differences).toEqual([
      expect.objectContaining({
        kind: "optional-property-added-to-closed-object",
        old_pointer: "/capabilities/0/input_schema/additionalProperties",
        new_pointer: "/capabilities/0/input_schema/properties/x",
      }),
    ]);
  });

  it("MRS-C1 messages name the instance location, and a member name with / or ~ is escaped", () => {
    const report = compareRegistrations(
      payload("1.0.0", object({ "a/b": object({ "c~d": { type: "string", maxLength: 3 } }) })),
      payload("1.0.1", object({ "a/b": object({ "c~d": { type: "string", maxLength: 2 } }) })),
    );
    expect(report.differences).toEqual([
      expect.objectContaining({
        kind: "max-length-decreased",
        old_pointer: "/capabilities/0/input_schema/properties/a~1b/properties/c~0d/maxLength",
        message: expect.stringMatching(/^input \/a~1b\/c~0d: maxLength 3 became 2; breaking/),
      }),
    ]);
  });

  it("MRS-C1 a definition used in several places is reported once", () => {
    const defs = (maxLength: number) => ({ $defs: { name: { type: "string", maxLength } } });
    const report = compareRegistrations(
      payload("1.0.0", { ...object({ a: { $ref: "#/$defs/name" }, b: { $ref: "#/$defs/name" } }), ...defs(5) }),
      payload("1.0.1", { ...object({ a: { $ref: "#/$defs/name" }, b: { $ref: "#/$defs/name" } }), ...defs(4) }),
    );
    expect(report.differences.map((d) => [d.kind, d.old_pointer])).toEqual([
      ["max-length-decreased", "/capabilities/0/input_schema/$defs/name/maxLength"],
    ]);
  });

  it("MRS-C1 the shipped examples compare with themselves as the same, whatever the copies", async () => {
    const { readFileSync } = await import("node:fs");
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    for (const name of ["restart-nomad", "s3-log-sink", "vault-secrets", "remediation-provider"]) {
      const text = readFileSync(require.resolve(`@rune/mrs-schema/examples/${name}.json`), "utf8");
      const report = compareRegistrations(JSON.parse(text), JSON.parse(text));
      expect(report, name).toEqual({ breaking: false, declared: false, differences: [] });
    }
  });

  it("MRS-C3 a comparison past its work bound is undecidable, never compatible", () => {
    // 400 anyOf branches against 800, none equal, every new one allowing more than any old one:
    // each branch added to an output is checked against every old branch (is it already
    // allowed?), 160,000 comparisons of two subschemas each.
    const branches = (count: number, maximum: (i: number) => number) =>
      Array.from({ length: count }, (_, i) =>
        object({ m: { type: "integer", maximum: maximum(i) } }, { required: ["m"] }),
      );
    const trivial = { type: "object" };
    // The member compared after it is not compared any more: its change is not called compatible.
    const report = compareRegistrations(
      payload("1.0.0", trivial, object({ x: { anyOf: branches(400, (i) => i) }, y: { type: "string" } })),
      payload("1.0.1", trivial, object({ x: { anyOf: branches(800, (i) => 1000 + i) }, y: { type: "integer" } })),
    );
    expect(report.differences.map((d) => d.kind)).not.toContain("type-changed");
    expect(report.breaking).toBe(true);
    expect(report.differences.map((d) => d.kind)).toContain("comparison-too-complex");
    const stopped = report.differences.find((d) => d.kind === "comparison-too-complex");
    expect(stopped?.breaking).toBe("undecidable");
  });

  it("MRS-C1 member names such as __proto__ are data: compared, never a path to a prototype (E12)", () => {
    const before = JSON.parse(JSON.stringify(payload("1.0.0", object({}, closed))));
    const after = JSON.parse(
      JSON.stringify(payload("1.0.1", object({}, closed))).replace(
        '"properties":{}',
        '"properties":{"__proto__":{"type":"string"}}',
      ),
    );
    const report = compareRegistrations(before, after);
    expect(report.differences).toEqual([
      expect.objectContaining({
        kind: "optional-property-added-to-closed-object",
        new_pointer: "/capabilities/0/input_schema/properties/__proto__",
      }),
    ]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });

  it("MRS-C1 never throws on payloads that did not validate", () => {
    const odd = [null, 1, "x", {}, { capabilities: {} }, { capabilities: [null, { action: 1 }] }] as unknown[];
    for (const a of odd)
      for (const b of odd)
        expect(() => compareRegistrations(a as RegistrationPayload, b as RegistrationPayload)).not.toThrow();
  });
});

describe("MRS-C2 what the versions declare", () => {
  it.each([
    ["1.4.2", "2.0.0", true],
    ["1.4.2", "1.5.0", false],
    ["1.4.2", "1.4.3", false],
    ["0.3.1", "0.4.0", true],
    ["0.3.1", "0.3.2", false],
    ["0.3.1", "1.0.0", true],
    ["0.0.3", "0.0.4", true],
    ["1.9.0", "2.0.0-rc.1", true],
    ["2.0.0-rc.1", "2.0.0", false],
    ["2.0.0-rc.1", "2.0.0-rc.2", false],
    ["0.9.0", "1.0.0-alpha", true],
    ["2.0.0", "1.0.0", false],
    ["1.0.0", "1.0.0", false],
    ["1.0.0+a", "1.0.0+b", false],
    ["not a version", "2.0.0", false],
  ] as const)("MRS-C2 %s to %s declares breaking changes: %s", (before, after, expected) => {
    expect(declaresBreakingChange(before, after)).toBe(expected);
  });

  it.each([
    ["1.4.2", "2.0.0"],
    ["0.3.1", "0.4.0"],
    ["0.0.3", "0.0.4"],
    ["2.0.0-rc.1", "3.0.0"],
    ["nope", undefined],
  ] as const)("MRS-C2 after %s, the lowest version that declares breaking changes is %s", (version, expected) => {
    expect(nextBreakingVersion(version)).toBe(expected);
    if (expected) expect(declaresBreakingChange(version, expected)).toBe(true);
  });

  it("MRS-C2 the report says whether the versions declare, whatever the differences", () => {
    const narrowed = [object({ a: { type: "string" } }, closed), object({}, closed)] as const;
    expect(compareRegistrations(payload("1.0.0", narrowed[0]), payload("2.0.0", narrowed[1]))).toMatchObject({
      breaking: true,
      declared: true,
    });
    expect(compareRegistrations(payload("1.0.0", narrowed[0]), payload("1.1.0", narrowed[1]))).toMatchObject({
      breaking: true,
      declared: false,
    });
    expect(compareRegistrations(payload("1.0.0", narrowed[0]), payload("1.0.1", narrowed[0]))).toEqual({
      breaking: false,
      declared: false,
      differences: [],
    });
  });
});

describe("MRS-C1 the kinds registry", () => {
  it("MRS-C1 every kind is named in kebab case, described, and its sources cite oasdiff or Confluent when it has any", () => {
    for (const [kind, info] of Object.entries(DIFFERENCE_KINDS)) {
      expect(kind).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
      expect(info.description.length).toBeGreaterThan(10);
      for (const source of info.sources) expect(source).toMatch(/^(?:oasdiff|Confluent) /);
    }
  });
});
