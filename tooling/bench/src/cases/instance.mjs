// Case 3: checking an action's input through the catalog, against calling the same compiled
// validator directly (the catalog's overhead); and compiling a capability schema, against a
// shared Ajv instance compiling the same schema.
import { memorySource, memoryStore } from "@rune/mrs-adapter-memory";
import { compileSchema, createRegistry } from "@rune/mrs-core";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { examples } from "../fixtures.mjs";
import { interleave, rate } from "../harness.mjs";

/**
 * @param {{ rounds: number, ms: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function instanceCase({ rounds, ms, log }) {
  const registry = createRegistry({
    store: memoryStore(),
    sources: [memorySource(examples().map(({ name, value }) => ({ name, payload: value })))],
  });
  await registry.start();
  // One shared instance, as a host would keep: Ajv's cost per schema, not per instance.
  const ajv = new Ajv2020.default();
  addFormats.default(ajv);

  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  const series = (/** @type {string} */ label, /** @type {number[] | undefined} */ values) => ({
    label,
    unit: /** @type {const} */ ("/s"),
    values: /** @type {number[]} */ (values),
  });

  // ship-logs: a rich schema (nested objects, enum, pattern, formats) and its own example input;
  // restart-nomad: an empty object schema, where the catalog's overhead weighs the most.
  const subjects = [
    { ref: "ship-logs", input: /** @type {unknown} */ (undefined) },
    { ref: "restart-nomad", input: {} },
  ];
  for (const subject of subjects) {
    const resolved = registry.resolveAction(subject.ref);
    if (!resolved.ok) throw new Error(`${subject.ref} is not in the catalog`);
    const schema = resolved.value.capability.input_schema;
    const input = subject.input ?? /** @type {{ examples: unknown[] }} */ (schema).examples[0];
    const direct = compileSchema(schema);
    const ajvCheck = ajv.compile(schema);
    if (!registry.validateInput(subject.ref, input).valid || !direct.check(input, "INPUT_INVALID").valid) {
      throw new Error(`${subject.ref}: the sample input does not validate`);
    }
    if (!ajvCheck(input)) throw new Error(`${subject.ref}: Ajv rejects the sample input`);
    // The least a lookup by reference can cost: one Map.get over the catalog's references, then
    // the same check. Where the check itself takes a few nanoseconds (an empty schema), this
    // floor, not the registry, is what separates validateInput from the direct call.
    const byRef = new Map(registry.capabilities().map((entry) => [entry.name, direct]));
    byRef.set(subject.ref, direct);
    const [viaCatalog, viaDirect, viaAjv, viaMap] = await interleave(
      [
        rate("validateInput", () => registry.validateInput(subject.ref, input), { ms }),
        rate("compileSchema(schema).check", () => direct.check(input, "INPUT_INVALID"), { ms }),
        rate("Ajv", () => ajvCheck(input), { ms }),
        rate("Map.get + check", () => byRef.get(subject.ref)?.check(input, "INPUT_INVALID"), { ms }),
      ],
      { rounds },
    );
    rows.push(
      {
        name: `validateInput("${subject.ref}") vs the same compiled validator called directly`,
        subject: series("validateInput", viaCatalog),
        baseline: series("check", viaDirect),
        target: { op: ">=", value: 0.8 },
      },
      {
        name: `validateInput("${subject.ref}") vs Map.get(ref) + the same check`,
        subject: series("validateInput", viaCatalog),
        baseline: series("Map.get + check", viaMap),
        note: "the floor of any lookup by reference: where the check is a few nanoseconds, the lookup is the cost",
      },
      {
        name: `validateInput("${subject.ref}") vs an Ajv-compiled function`,
        subject: series("validateInput", viaCatalog),
        baseline: series("Ajv", viaAjv),
      },
    );
  }
  log("  validateInput done");

  const compiled = [
    { label: "s3-log-sink ship-logs input_schema", schema: registry.resolveAction("ship-logs") },
    { label: "restart-nomad output_schema (small)", schema: registry.resolveAction("restart-nomad") },
  ];
  for (const [index, { label, schema: resolved }] of compiled.entries()) {
    if (!resolved.ok) throw new Error(`${label} is not in the catalog`);
    const capability = resolved.value.capability;
    const schema = index === 0 ? capability.input_schema : capability.output_schema;
    // A title unique to each call: new content, so that no cache (ours by content, Ajv's by
    // object) answers, and each side compiles the schema anew.
    let n = 0;
    const fresh = (/** @type {string} */ who) => ({ ...schema, title: `${who} ${n++}` });
    const [ours, theirs] = await interleave(
      [
        rate("compileSchema", () => compileSchema(fresh("mrs")), { ms: ms * 2 }),
        rate("Ajv compile", () => ajv.compile(fresh("ajv")), { ms: ms * 2 }),
      ],
      { rounds },
    );
    rows.push({
      name: `compiling ${label}: compileSchema vs a shared Ajv instance`,
      subject: series("compileSchema", ours),
      baseline: series("Ajv", theirs),
      target: { op: ">=", value: 10 },
    });
  }
  await registry.close();
  log("  compiling done");

  return {
    id: "3",
    title: "Input validation and compiling",
    about: [
      "`registry.validateInput(ref, input)` (resolution, the cached validator, the check) against the",
      "validator it uses, `compileSchema(schema).check(input)`, called directly, and against Ajv 8",
      "(draft 2020-12, ajv-formats) compiled from the same schema; valid inputs (the schema's own",
      "`examples[0]`). Compiling: `compileSchema` of new content each call (the rules E9-E11, then",
      "TypeBox's `typebox/schema` compiler) against one shared Ajv instance compiling the same schema.",
    ].join("\n"),
    rows,
  };
}
