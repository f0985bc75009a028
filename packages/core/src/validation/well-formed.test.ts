// RULES.md E9: the quick reading of the meta-schemas never vouches for a schema that the
// meta-schema itself refuses. Checked against TypeBox's compiled meta-schemas (the full check that
// the quick one stands in front of) on generated schemas, on the official test suite's schemas,
// and on the shipped examples, which it must vouch for (or it would save nothing).
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import Schema from "typebox/schema";
import { describe, expect, it } from "vitest";
import type { Dialect } from "./dialect.js";
import { SCHEMA_ARRAY_KEYWORDS, SCHEMA_MAP_KEYWORDS, SINGLE_SCHEMA_KEYWORDS } from "./schema-walk.js";
import { constrainedKeywords, surelyWellFormed } from "./well-formed.js";

const META_URI: Record<Dialect, string> = {
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
  "draft-07": "http://json-schema.org/draft-07/schema#",
};
const meta = {
  "2020-12": Schema.Compile(Schema.Meta[META_URI["2020-12"] as keyof typeof Schema.Meta]),
  "draft-07": Schema.Compile(Schema.Meta[META_URI["draft-07"] as keyof typeof Schema.Meta]),
};

const KEYWORDS = [
  ...new Set([
    ...constrainedKeywords(Schema.Meta[META_URI["2020-12"] as keyof typeof Schema.Meta]),
    ...constrainedKeywords(Schema.Meta[META_URI["draft-07"] as keyof typeof Schema.Meta]),
    "x-vendor",
    "nullable",
  ]),
];

/** Strings that are, or nearly are, what the keywords with a `format` or a pattern ask for. */
const STRINGS = [
  "",
  "a",
  "string",
  "integer",
  "object",
  "any",
  "(",
  "[a-z]+",
  "^x$",
  "\\p{L}",
  "\\q",
  "#/$defs/a",
  "#a",
  "http://x y",
  "https://example.com/s#",
  "urn:a:b",
  "a b",
  "_anchor",
  "1anchor",
];

const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.integer({ min: -2, max: 4 }),
  fc.constantFrom(0.5, -0.5, 1.0, 1e300),
  fc.boolean(),
  fc.constant(null),
);

// What each family of keywords usually holds, valid or nearly so: one near miss among valid
// neighbours is what tells a careful reading from a careless one.
const SCHEMA_VALUED = new Set<string>(SINGLE_SCHEMA_KEYWORDS);
const SCHEMA_LISTS = new Set<string>(SCHEMA_ARRAY_KEYWORDS);
const SCHEMA_MAPS = new Set<string>(SCHEMA_MAP_KEYWORDS);
const COUNTS = new Set([
  "maxLength",
  "minLength",
  "maxItems",
  "minItems",
  "maxContains",
  "minContains",
  "maxProperties",
  "minProperties",
]);
const NUMBERS = new Set(["multipleOf", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"]);
const FLAGS = new Set(["uniqueItems", "readOnly", "writeOnly", "deprecated", "$recursiveAnchor"]);
const TYPES = ["array", "boolean", "integer", "null", "number", "object", "string"];

const { schema } = fc.letrec<{ schema: unknown; map: unknown; list: unknown }>((tie) => {
  const typical = (keyword: string): fc.Arbitrary<unknown> => {
    if (SCHEMA_VALUED.has(keyword) && SCHEMA_LISTS.has(keyword)) return fc.oneof(tie("schema"), tie("list"));
    if (SCHEMA_VALUED.has(keyword))
      return fc.oneof({ weight: 4, arbitrary: tie("schema") }, { weight: 1, arbitrary: scalar });
    if (SCHEMA_LISTS.has(keyword))
      return fc.oneof({ weight: 4, arbitrary: tie("list") }, { weight: 1, arbitrary: tie("schema") });
    if (SCHEMA_MAPS.has(keyword))
      return fc.oneof(
        { weight: 4, arbitrary: tie("map") },
        { weight: 1, arbitrary: fc.array(fc.constantFrom("a", "b"), { maxLength: 2 }) },
      );
    if (COUNTS.has(keyword)) return fc.constantFrom(0, 1, 3, -1, 1.5, "2");
    if (NUMBERS.has(keyword)) return fc.constantFrom(0, 2, 0.5, -1, -0.5, "1");
    if (FLAGS.has(keyword)) return fc.oneof(fc.boolean(), fc.constantFrom(0, "true"));
    if (keyword === "type")
      return fc.oneof(fc.constantFrom(...TYPES, "any"), fc.array(fc.constantFrom(...TYPES, "any"), { maxLength: 3 }));
    if (keyword === "required") return fc.array(fc.constantFrom("a", "b", "c", 1), { maxLength: 3 });
    if (keyword === "enum")
      return fc.oneof(
        fc.array(scalar, { maxLength: 3 }),
        fc.array(fc.constantFrom({}, [1], { a: 1 }), { maxLength: 2 }),
      );
    if (keyword === "dependentRequired")
      return fc.dictionary(fc.constantFrom("a", "b"), fc.array(fc.constantFrom("a", "b", 1), { maxLength: 3 }), {
        maxKeys: 2,
      });
    if (keyword === "examples") return fc.oneof(fc.array(scalar, { maxLength: 2 }), scalar);
    return scalar;
  };
  const entry = fc
    .constantFrom(...KEYWORDS)
    .chain((keyword) => typical(keyword).map((value) => [keyword, value] as const));
  return {
    schema: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.boolean(),
      fc.array(entry, { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
    ),
    list: fc.array(tie("schema"), { maxLength: 3 }),
    map: fc.dictionary(fc.constantFrom("a", "b", "(", "^x$", "\\q"), tie("schema"), { maxKeys: 3 }),
  };
});

describe("MRS-E9 the quick meta-schema reading", () => {
  it("MRS-E9 never vouches for a generated schema that the meta-schema refuses (both dialects)", () => {
    const seen = { vouched: 0, refused: 0 };
    fc.assert(
      fc.property(schema, fc.constantFrom<Dialect>("2020-12", "draft-07"), (candidate, dialect) => {
        const vouched = surelyWellFormed(candidate, dialect);
        const valid = meta[dialect].Check(candidate);
        if (vouched) seen.vouched += 1;
        if (!valid) seen.refused += 1;
        expect(!vouched || valid).toBe(true);
      }),
      { numRuns: 6000 },
    );
    // Not vacuous: the generator makes schemas of both kinds, in numbers.
    expect(seen.vouched).toBeGreaterThan(400);
    expect(seen.refused).toBeGreaterThan(400);
  });

  it("MRS-E9 never vouches for a schema of the official test suite that the meta-schema refuses", () => {
    const suite = new URL("../../test/json-schema-test-suite/tests/", import.meta.url);
    let vouched = 0;
    for (const [folder, dialect] of [
      ["draft2020-12", "2020-12"],
      ["draft7", "draft-07"],
    ] as const) {
      const directory = new URL(`${folder}/`, suite);
      for (const file of readdirSync(directory).filter((name) => name.endsWith(".json"))) {
        const groups = JSON.parse(readFileSync(new URL(file, directory), "utf8")) as { schema: unknown }[];
        for (const group of groups) {
          if (!surelyWellFormed(group.schema, dialect)) continue;
          vouched += 1;
          expect(meta[dialect].Check(group.schema), `${folder}/${file}`).toBe(true);
        }
      }
    }
    expect(vouched).toBeGreaterThan(500);
  });

  it("MRS-E9 vouches for every schema of the shipped examples, and refuses what the meta-schema refuses", () => {
    const examples = new URL("../../../schema/examples/", import.meta.url);
    for (const file of readdirSync(examples)) {
      const payload = JSON.parse(readFileSync(new URL(file, examples), "utf8")) as {
        capabilities: { input_schema: unknown; output_schema: unknown }[];
      };
      for (const capability of payload.capabilities) {
        expect(surelyWellFormed(capability.input_schema, "2020-12"), file).toBe(true);
        expect(surelyWellFormed(capability.output_schema, "2020-12"), file).toBe(true);
      }
    }
    for (const refused of [
      { type: "text" },
      { minLength: -1 },
      { required: ["a", "a"] },
      { properties: { a: 1 } },
      { pattern: "(" },
      { patternProperties: { "(": {} } },
      { allOf: [] },
      { $ref: "http://x y" },
    ]) {
      expect(surelyWellFormed(refused, "2020-12"), JSON.stringify(refused)).toBe(false);
      expect(meta["2020-12"].Check(refused), JSON.stringify(refused)).toBe(false);
    }
  });

  it("MRS-E9 leaves to the meta-schema every keyword it does not read (`$id`, `$vocabulary`, `dependencies`)", () => {
    expect(surelyWellFormed({ $id: "https://example.com/s" }, "2020-12")).toBe(false);
    expect(surelyWellFormed({ $vocabulary: {} }, "2020-12")).toBe(false);
    expect(surelyWellFormed({ dependencies: { a: ["b"] } }, "draft-07")).toBe(false);
    // A keyword of the other dialect is unconstrained in this one, as the meta-schema says.
    expect(surelyWellFormed({ prefixItems: 5 }, "draft-07")).toBe(meta["draft-07"].Check({ prefixItems: 5 }));
  });
});
