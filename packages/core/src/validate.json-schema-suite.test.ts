import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ErrorCode, MrsFailure } from "./errors.js";
import { compileSchema } from "./validate.js";

/**
 * The official JSON-Schema-Test-Suite, required tests of draft 2020-12 and draft-07, run offline
 * through `compileSchema`, the engine exactly as the registry uses it (RULES.md I1, I2). The
 * suite is a pinned copy inside this package (`test/json-schema-test-suite`, its README names the
 * upstream commit), so the counts below follow from that copy alone.
 */
const SUITE = new URL("../test/json-schema-test-suite/tests/", import.meta.url);
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const DRAFTS = ["draft2020-12", "draft7"] as const;
type Draft = (typeof DRAFTS)[number];

/** Files not run at all: every test in them needs the remote documents MRS forbids (E10). */
const EXCLUDED_FILES = ["refRemote.json"];

/**
 * Optional files run too: patterns run on the linear engine (RE2) rewritten to mean what they
 * mean in ECMA-262 (E11), and these are the suite's tests of exactly that (`\d`, `\w`, `\s`,
 * `$`, `\p{...}`, code points beyond the BMP).
 */
const OPTIONAL_FILES = ["optional/ecmascript-regex.json", "optional/non-bmp-regex.json"];

/**
 * Cases not run, each with why. The suite's required format tests say that in 2020-12 `format`
 * is only an annotation, so an invalid value passes; MRS asserts formats (RULES.md I2), so these
 * cases get the opposite answer on purpose. The same values are checked as invalid in
 * validation/engine.test.ts.
 */
const SKIPPED: readonly { draft: Draft; file: string; group: string; test: string; why: string }[] = [
  ...[
    "email",
    "idn-email",
    "regex",
    "ipv4",
    "ipv6",
    "idn-hostname",
    "hostname",
    "date",
    "date-time",
    "time",
    "json-pointer",
    "relative-json-pointer",
    "iri",
    "iri-reference",
    "uri",
    "uri-reference",
    "uri-template",
    "uuid",
    "duration",
  ].map((format) => ({
    draft: "draft2020-12" as const,
    file: "format.json",
    group: `${format} format`,
    test: `invalid ${format} string is only an annotation by default`,
    why: "I2: MRS asserts formats; the suite expects an annotation only",
  })),
];

/**
 * Schemas MRS refuses to compile on purpose: each must be refused, with this code. A refusal
 * not listed here fails the run, and so does a listed schema that compiles.
 */
const REFUSED: readonly { draft: Draft; file: string; group: string; code: ErrorCode; rule: string }[] = [
  // E10: these reference other documents (http:, urn:, relative file names) or give a subschema
  // its own $id, which changes what "#" means. MRS refuses them; the suite expects them to resolve.
  {
    draft: "draft2020-12",
    file: "anchor.json",
    group: "Location-independent identifier with absolute URI",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "anchor.json",
    group: "Location-independent identifier with base URI change in subschema",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "anchor.json",
    group: "same $anchor with different base uri",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "defs.json",
    group: "validate definition against metaschema",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef resolves to the first $dynamicAnchor still in scope that is encountered when the schema is evaluated",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "A $dynamicRef without anchor in fragment behaves identical to $ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef with intermediate scopes that don't include a matching $dynamicAnchor does not affect dynamic scope resolution",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "An $anchor with the same name as a $dynamicAnchor is not used for dynamic scope resolution",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef without a matching $dynamicAnchor in the same schema resource behaves like a normal $ref to $anchor",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef with a non-matching $dynamicAnchor in the same schema resource behaves like a normal $ref to $anchor",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef that initially resolves to a schema with a matching $dynamicAnchor resolves to the first $dynamicAnchor in the dynamic scope",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group:
      "A $dynamicRef that initially resolves to a schema without a matching $dynamicAnchor behaves like a normal $ref to $anchor",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "multiple dynamic paths to the $dynamicRef keyword",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "after leaving a dynamic scope, it is not used by a $dynamicRef",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "strict-tree schema, guards against misspelled properties",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "tests for implementation dynamic anchor and reference link",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "$ref and $dynamicAnchor are independent of order - $defs first",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "$ref and $dynamicAnchor are independent of order - $ref first",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "$ref to $dynamicRef finds detached $dynamicAnchor",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "$dynamicRef skips over intermediate resources - direct reference",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "dynamicRef.json",
    group: "$dynamicRef avoids the root of each schema, but scopes are still registered",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "remote ref, containing refs itself",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "Recursive references between schemas",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "refs with relative uris and defs",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "relative refs with absolute uris and defs",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "$id must be resolved against nearest parent, not just immediate parent",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "order of evaluation: $id and $ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "order of evaluation: $id and $anchor and $ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "order of evaluation: $id and $ref on nested schema",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "simple URN base URI with $ref via the URN",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "URN base URI with URN and JSON pointer ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "URN base URI with URN and anchor ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "URN ref with nested pointer ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  { draft: "draft2020-12", file: "ref.json", group: "ref to if", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  { draft: "draft2020-12", file: "ref.json", group: "ref to then", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  { draft: "draft2020-12", file: "ref.json", group: "ref to else", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  {
    draft: "draft2020-12",
    file: "ref.json",
    group: "ref with absolute-path-reference",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "unevaluatedItems.json",
    group: "unevaluatedItems with $dynamicRef",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft2020-12",
    file: "unevaluatedProperties.json",
    group: "unevaluatedProperties with $dynamicRef",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "definitions.json",
    group: "validate definition against metaschema",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "$ref prevents a sibling $id from changing the base uri",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "remote ref, containing refs itself",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "Recursive references between schemas",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "Reference an anchor with a non-relative URI",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "Location-independent identifier with base URI change in subschema",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "refs with relative uris and defs",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "relative refs with absolute uris and defs",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "$id must be resolved against nearest parent, not just immediate parent",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "simple URN base URI with $ref via the URN",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "URN base URI with URN and JSON pointer ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  {
    draft: "draft7",
    file: "ref.json",
    group: "URN base URI with URN and anchor ref",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  { draft: "draft7", file: "ref.json", group: "ref to if", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  { draft: "draft7", file: "ref.json", group: "ref to then", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  { draft: "draft7", file: "ref.json", group: "ref to else", code: "REMOTE_REF_FORBIDDEN", rule: "E10" },
  {
    draft: "draft7",
    file: "ref.json",
    group: "ref with absolute-path-reference",
    code: "REMOTE_REF_FORBIDDEN",
    rule: "E10",
  },
  // E9: the schema names a custom meta-schema (a remote one) in $schema; MRS accepts only 2020-12 and draft-07.
  {
    draft: "draft2020-12",
    file: "vocabulary.json",
    group: "schema that uses custom metaschema with with no validation vocabulary",
    code: "INVALID_JSON_SCHEMA",
    rule: "E9",
  },
  // E9: the schema names a custom meta-schema (a remote one) in $schema; MRS accepts only 2020-12 and draft-07.
  {
    draft: "draft2020-12",
    file: "vocabulary.json",
    group: "ignore unrecognized optional vocabulary",
    code: "INVALID_JSON_SCHEMA",
    rule: "E9",
  },
];

/**
 * How many cases each draft runs: the suite cannot shrink, nor the lists grow, unnoticed.
 * 2020-12 1,155 -> 1,248 run, 94 -> 87 refused; draft-07 863 -> 956 run, 41 -> 34 refused: the
 * 7 cases of "patternProperties validates properties matching a regex" (its key "f.*o", quadratic
 * on V8) run since patterns run on the linear engine (E11), and so do the 86 cases of each draft
 * in OPTIONAL_FILES, the suite's ECMA-262 regular expression tests.
 */
const EXPECTED = {
  "draft2020-12": { ran: 1248, skipped: 19, refusedCases: 87 },
  draft7: { ran: 956, skipped: 0, refusedCases: 34 },
} as const;

interface SuiteGroup {
  readonly description: string;
  readonly schema: unknown;
  readonly tests: readonly { readonly description: string; readonly data: unknown; readonly valid: boolean }[];
}

function filesOf(draft: Draft): string[] {
  return [
    ...readdirSync(new URL(`${draft}/`, SUITE))
      .filter((file) => file.endsWith(".json") && !EXCLUDED_FILES.includes(file))
      .sort(),
    ...OPTIONAL_FILES,
  ];
}

function groupsOf(draft: Draft, file: string): SuiteGroup[] {
  return JSON.parse(readFileSync(new URL(`${draft}/${file}`, SUITE), "utf8")) as SuiteGroup[];
}

/**
 * The suite's schema as a capability schema: compileSchema takes objects, so the boolean schemas
 * become their exact object equivalents; draft-07 files leave `$schema` out (the folder names the
 * draft), and MRS reads a schema without one as 2020-12 (E9), so it is added.
 */
function asCapabilitySchema(draft: Draft, schema: unknown): object {
  const object = schema === true ? {} : schema === false ? { not: {} } : (schema as object);
  return draft === "draft7" && !Object.hasOwn(object, "$schema") ? { $schema: DRAFT_07, ...object } : object;
}

const counts = Object.fromEntries(DRAFTS.map((draft) => [draft, { ran: 0, skipped: 0, refusedCases: 0 }])) as Record<
  Draft,
  { ran: number; skipped: number; refusedCases: number }
>;

describe("JSON-Schema-Test-Suite through compileSchema (MRS-I1, MRS-I2)", () => {
  for (const draft of DRAFTS) {
    describe(draft, () => {
      for (const file of filesOf(draft)) {
        it(`MRS-I1 ${draft} ${file} gives the suite's answer`, () => {
          const wrong: string[] = [];
          for (const group of groupsOf(draft, file)) {
            const refusal = REFUSED.find(
              (entry) => entry.draft === draft && entry.file === file && entry.group === group.description,
            );
            let validator: ReturnType<typeof compileSchema> | undefined;
            try {
              validator = compileSchema(asCapabilitySchema(draft, group.schema));
            } catch (error) {
              if (!(error instanceof MrsFailure)) throw error;
              const codes = error.errors.map((fault) => fault.code);
              if (!refusal) wrong.push(`${group.description}: refused unexpectedly (${codes.join(", ")})`);
              else if (!codes.includes(refusal.code))
                wrong.push(`${group.description}: refused with ${codes.join(", ")}`);
              counts[draft].refusedCases += group.tests.length;
              continue;
            }
            if (refusal) wrong.push(`${group.description}: compiled, but MRS must refuse it (${refusal.code})`);
            for (const test of group.tests) {
              const skipped = SKIPPED.some(
                (entry) =>
                  entry.draft === draft &&
                  entry.file === file &&
                  entry.group === group.description &&
                  entry.test === test.description,
              );
              if (skipped) {
                counts[draft].skipped++;
                continue;
              }
              counts[draft].ran++;
              const result = validator.check(test.data, "INPUT_INVALID");
              if (result.valid !== test.valid)
                wrong.push(`${group.description} / ${test.description}: expected ${test.valid}`);
            }
          }
          expect(wrong).toEqual([]);
        });
      }
    });
  }

  it("MRS-I1 ran the expected number of cases of each draft, skipping and refusing only those listed", () => {
    expect(counts).toEqual(EXPECTED);
    for (const draft of DRAFTS) {
      expect(counts[draft].skipped).toBe(SKIPPED.filter((entry) => entry.draft === draft).length);
    }
  });
});
