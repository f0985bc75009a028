// The comparison classifies the most common keyword names before it searches the tables (for
// speed): those answers must be the tables' own, in both dialects, and acceptsEverything must
// still mean "annotations only".
import { describe, expect, it } from "vitest";
import type { Dialect } from "../validation/dialect.js";
import { acceptsEverything, groupsOf, groupsOfPair, isAnnotation, pairGroups } from "./vocabulary.js";

const NAMES = [
  "type",
  "properties",
  "required",
  "description",
  "title",
  "default",
  "examples",
  "enum",
  "const",
  "minimum",
  "maxLength",
  "pattern",
  "format",
  "items",
  "prefixItems",
  "additionalItems",
  "additionalProperties",
  "patternProperties",
  "dependentRequired",
  "dependentSchemas",
  "unevaluatedProperties",
  "allOf",
  "not",
  "$ref",
  "$dynamicRef",
  "$defs",
  "definitions",
  "x-vendor",
  "unknownKeyword",
];
const DIALECTS: readonly Dialect[] = ["2020-12", "draft-07"];

describe("keyword classification", () => {
  it("classifies each name of a pair as the dialect's table does", () => {
    for (const dialect of DIALECTS) {
      for (const name of NAMES) {
        const before = { [name]: "object" };
        const after = { other: 1, [name]: "object" };
        expect(groupsOfPair(before, dialect, after, dialect), `${dialect} ${name}`).toBe(groupsOf(before, dialect));
        expect(pairGroups.next, `${dialect} ${name} (new side)`).toBe(groupsOf(after, dialect));
      }
    }
  });

  it("reads a subschema as accepting everything exactly when each of its keywords is an annotation", () => {
    for (const name of NAMES) expect(acceptsEverything({ [name]: 1 }), name).toBe(isAnnotation(name));
    expect(acceptsEverything({ description: "d", "x-a": 1 })).toBe(true);
    expect(acceptsEverything({ description: "d", type: "string" })).toBe(false);
  });
});
