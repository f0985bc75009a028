// Case 8: comparing two versions of a module (RULES.md C1-C4), against validating the new
// version, which an upgrade does anyway: the comparison should add at most half of that.
import { compareRegistrations, validateRegistration } from "@rune/mrs-core";
import { examples } from "../fixtures.mjs";
import { interleave, rate } from "../harness.mjs";

/**
 * A new version of a shipped example: its own copy (so that no object is shared with the old
 * one, as with a payload that arrived over HTTP while the held one came from the store), a
 * bumped version, and, when `change` is set, a small change to its first capability: an
 * optional input property added to its object (the everyday change) and one output property's
 * string made shorter.
 *
 * @param {{ text: string }} example
 * @param {{ version: string, change: boolean }} options
 */
function nextVersion(example, { version, change }) {
  const payload = JSON.parse(example.text);
  payload.registration_metadata.module_version = version;
  if (change) {
    const [first] = payload.capabilities;
    first.input_schema.properties = { ...first.input_schema.properties, bench_note: { type: "string", maxLength: 64 } };
    const outputs = Object.values(first.output_schema.properties ?? {});
    const text = outputs.find((schema) => schema.type === "string");
    if (text) text.maxLength = 100;
  }
  return payload;
}

/**
 * Rates as milliseconds per operation, so that the ratio reads as "costs this much of validating".
 *
 * @param {string} label
 * @param {number[]} rates
 */
const perOperation = (label, rates) => ({
  label,
  unit: /** @type {const} */ ("ms"),
  values: rates.map((perSecond) => 1000 / perSecond),
});

/**
 * @param {{ rounds: number, ms: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function compatCase({ rounds, ms, log }) {
  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  for (const example of examples()) {
    const held = JSON.parse(example.text);
    const version = held.registration_metadata.module_version;
    const [major = 0, minor = 0] = version.split(".").map(Number);
    const pairs = [
      {
        label: "unchanged, patch bump",
        next: nextVersion(example, { version: `${major}.${minor}.99`, change: false }),
      },
      {
        label: "small change, minor bump",
        next: nextVersion(example, { version: `${major}.${minor + 1}.0`, change: true }),
      },
    ];
    for (const { label, next } of pairs) {
      // Both sides must take the path an upgrade takes: a valid new payload, a finished comparison.
      if (!validateRegistration(next).ok)
        throw new Error(`${example.name} (${label}): the new version does not validate`);
      const report = compareRegistrations(held, next);
      if (report.differences.some((d) => d.kind === "comparison-too-complex")) {
        throw new Error(`${example.name} (${label}): the comparison stopped at its bound`);
      }
      // What a first registration of the new version pays: its changed schema is content that
      // this process has not seen (a new description each call), so its verdict and validator
      // are worked out, not found. Its own copy: `next` stays the same for the other two.
      const first = structuredClone(next);
      let seen = 0;
      const firstValidation = () => {
        first.capabilities[0].input_schema.description = `first seen ${seen++}`;
        return validateRegistration(first);
      };
      const [compare, validate, cold] = await interleave(
        [
          rate("compareRegistrations", () => compareRegistrations(held, next), { ms }),
          rate("validateRegistration", () => validateRegistration(next), { ms }),
          rate("validateRegistration, first seen", firstValidation, { ms }),
        ],
        { rounds },
      );
      rows.push({
        name: `${example.name}, ${label} (${report.differences.length} differences): compareRegistrations vs validateRegistration`,
        subject: perOperation("compare", /** @type {number[]} */ (compare)),
        baseline: perOperation("validate", /** @type {number[]} */ (validate)),
        target: { op: "<=", value: 0.5 },
      });
      rows.push({
        name: `${example.name}, ${label}: compareRegistrations vs a first validateRegistration of the new version (its changed schema not seen before)`,
        subject: perOperation("compare", /** @type {number[]} */ (compare)),
        baseline: perOperation("first validation", /** @type {number[]} */ (cold)),
        note: "what a first registration of the new version costs; the target row above compares with a validation served from the verdict cache",
      });
    }
    log(`  ${example.name} done`);
  }
  return {
    id: "8",
    title: "Compatibility of two versions",
    about: [
      "On the four shipped examples (`packages/schema/examples`), each against a new version of",
      "itself: unchanged with a patch bump, and with a small change (an optional input property",
      "added, an output string's `maxLength` changed) with a minor bump; every new version is a fresh",
      "copy, sharing no object with the held one. **compare**: `compareRegistrations(held, next)`",
      "(RULES.md C1-C4), every capability's input and output schema. Baseline: `validateRegistration(next)`",
      "of the same new payload, which an upgrade runs anyway (its validators compiled and cached by",
      "earlier calls). Times per operation: the ratio is the share of a validation that the comparison adds.",
      "A second baseline, for information: the same validation when the new version's changed schema is",
      "content the process has not seen (a new `description` each call), as at a first registration of it.",
    ].join("\n"),
    rows,
  };
}
