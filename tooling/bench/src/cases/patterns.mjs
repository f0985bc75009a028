// Case 9: the price of running schema patterns on a linear-time engine (RULES.md E11). A
// pattern-heavy capability schema checked by MRS (its patterns on re2js), against V8's RegExp
// doing the same pattern checks by hand, and against Ajv (its patterns on V8, unsafe by design).
import { compileSchema } from "@rune/mrs-core";
import Ajv2020 from "ajv/dist/2020.js";
import { interleave, rate } from "../harness.mjs";

// Patterns as real schemas write them (SchemaStore, the SemVer reference, MRS's own names).
const SEMVER =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
const PATTERNS = {
  name: "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$",
  version: SEMVER,
  email: "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
  repository: ".*\\.git$",
  ports: "\\d+:\\d+",
  date: "^\\d{4}-\\d{2}-\\d{2}$",
  sdk: "^(?:(?:>=|>|<=|<)\\d+\\.\\d+\\.\\d+(?:[+-]\\S+)?\\s*)+$",
  id: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
};
const LABEL_KEY = "^x-[a-z][a-z0-9-]*$";

const schema = {
  type: "object",
  required: Object.keys(PATTERNS),
  properties: Object.fromEntries(Object.entries(PATTERNS).map(([key, pattern]) => [key, { type: "string", pattern }])),
  patternProperties: { [LABEL_KEY]: { type: "string" } },
  additionalProperties: false,
};

const valid = {
  name: "restart-nomad",
  version: "1.12.0-rc.1+build.7",
  email: "ops@example.com",
  repository: "https://github.com/rune/registry.git",
  ports: "8080:80",
  date: "2025-12-01",
  sdk: ">=2.12.0 <3.0.0",
  id: "123e4567-e89b-12d3-a456-426614174000",
  "x-team": "platform",
  "x-tier": "gold",
};
const invalid = { ...valid, version: "1.2", repository: "https://github.com/rune/registry", "x-Bad": 1 };

/**
 * @param {{ rounds: number, ms: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function patternsCase({ rounds, ms, log }) {
  const mrs = compileSchema(schema);
  // V8 doing the same checks by hand: every pattern with the `u` flag, as the engine compiles them.
  const compiled = Object.entries(PATTERNS).map(
    ([key, pattern]) => /** @type {const} */ ([key, new RegExp(pattern, "u")]),
  );
  const labelKey = new RegExp(LABEL_KEY, "u");
  const byHand = (/** @type {Record<string, unknown>} */ value) => {
    for (const [key, regexp] of compiled) {
      const text = value[key];
      if (typeof text !== "string" || !regexp.test(text)) return false;
    }
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(PATTERNS, key)) continue;
      if (!labelKey.test(key) || typeof value[key] !== "string") return false;
    }
    return true;
  };
  const ajv = new Ajv2020.default({ allErrors: false });
  const ajvValidate = ajv.compile(schema);
  if (!mrs.check(valid, "INPUT_INVALID").valid || !byHand(valid) || !ajvValidate(valid)) {
    throw new Error("the valid value does not validate");
  }
  if (mrs.check(invalid, "INPUT_INVALID").valid || byHand(invalid) || ajvValidate(invalid)) {
    throw new Error("the invalid value validates");
  }

  const samplers = [
    rate("compileSchema(...).check, valid", () => mrs.check(valid, "INPUT_INVALID"), { ms }),
    rate("V8 RegExp by hand, valid", () => byHand(valid), { ms }),
    rate("Ajv, valid", () => ajvValidate(valid), { ms }),
    rate("compileSchema(...).check, invalid", () => mrs.check(invalid, "INPUT_INVALID"), { ms }),
    rate("Ajv, invalid", () => ajvValidate(invalid), { ms }),
  ];
  const [mrsValid, handValid, ajvValid, mrsInvalid, ajvInvalid] = await interleave(samplers, { rounds });
  const series = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
    label,
    unit: /** @type {const} */ ("/s"),
    values: /** @type {number[]} */ (values),
  });

  // One hostile value: what V8 cannot do at all (on the pubspec pattern, 202 characters took 2.3 s).
  const hostile = { ...valid, sdk: `${">=1.1.1-1".repeat(11_112)} !` };
  const hostileSampler = rate(
    "compileSchema(...).check, 100 KB hostile sdk",
    () => mrs.check(hostile, "INPUT_INVALID"),
    {
      ms,
    },
  );
  const [mrsHostile, mrsValidAgain] = await interleave(
    [hostileSampler, rate("compileSchema(...).check, valid, again", () => mrs.check(valid, "INPUT_INVALID"), { ms })],
    { rounds },
  );
  log("  patterns done");
  return {
    id: "9",
    title: "Patterns on a linear-time engine",
    about: [
      "A capability schema of eight `pattern`s taken from real schemas (SemVer, an e-mail, `.*\\.git$`,",
      "`\\d+:\\d+`, pubspec's SDK constraint, a UUID, ...) and one `patternProperties` key, with",
      "`additionalProperties: false`. **MRS**: `compileSchema(schema).check`, which runs every pattern on",
      "re2js (RE2's linear-time algorithm, rewritten from the ECMAScript reading of each pattern), the",
      "`patternProperties` key through a TypeBox custom check. Baselines in the same rounds: the same",
      "pattern checks written by hand with V8's `RegExp` (`u` flag), the floor of any validator that",
      "runs patterns on V8, and Ajv 8 compiled from the same schema (patterns on V8, no protection).",
      "The ratio is the price of never running a pattern for seconds.",
    ].join("\n"),
    rows: [
      {
        name: "valid value: MRS check vs V8 RegExp by hand",
        subject: series("MRS", mrsValid),
        baseline: series("V8 by hand", handValid),
        note: "each of the nine patterns matched once, on RE2 vs on V8",
      },
      {
        name: "valid value: MRS check vs Ajv",
        subject: series("MRS", mrsValid),
        baseline: series("Ajv", ajvValid),
      },
      {
        name: "invalid value: MRS check (every fault, with messages) vs Ajv (first fault, boolean)",
        subject: series("MRS", mrsInvalid),
        baseline: series("Ajv", ajvInvalid),
        note: "not the same work: MRS lists every fault with its pointer (I1); for information",
      },
      {
        name: "100 KB hostile `sdk`: MRS check vs MRS check of the valid value",
        subject: series("MRS hostile", mrsHostile),
        baseline: series("MRS valid", mrsValidAgain),
        note: "V8 (and so Ajv) cannot be timed on this input: pubspec's pattern is exponential there",
      },
    ],
  };
}
