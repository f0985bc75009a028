// Case 1: validating a registration payload, against JSON.parse of the same bytes (the least
// any registry must do with them) and against Ajv compiling the shipped JSON Schema file.
import { checkRegistration, validateRegistration } from "@rune/mrs-core";
import { RegistrationPayload } from "@rune/mrs-schema";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Compile } from "typebox/compile";
import { examples, registrationJsonSchema } from "../fixtures.mjs";
import { interleave, rate } from "../harness.mjs";

/**
 * @param {{ rounds: number, ms: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function validationCase({ rounds, ms, log }) {
  const envelope = Compile(RegistrationPayload);
  // Plain Ajv: draft 2020-12 (the file's `$schema`), formats asserted as the file means them,
  // and its one annotation keyword declared so that strict mode accepts the file.
  const ajv = new Ajv2020.default();
  addFormats.default(ajv);
  ajv.addKeyword("x-mrs-spec-version");
  const ajvValidate = ajv.compile(registrationJsonSchema());

  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  for (const example of examples()) {
    const { name, text, value } = example;
    // Every side must take its success path, or the bench would time error reporting.
    if (!validateRegistration(value).ok || !envelope.Check(value) || !ajvValidate(value)) {
      throw new Error(`${name}: an example does not validate`);
    }
    const samplers = [
      rate("JSON.parse", () => JSON.parse(text), { ms }),
      rate("validateRegistration", () => validateRegistration(value), { ms }),
      rate("envelope", () => envelope.Check(value), { ms }),
      rate("Ajv", () => ajvValidate(value), { ms }),
      ...(name === "restart-nomad" ? [rate("checkRegistration", () => checkRegistration({ text }), { ms })] : []),
    ];
    const [parse, full, env, ajvSeries, fromText] = await interleave(samplers, { rounds });
    const bytes = Buffer.byteLength(text);
    const series = (/** @type {string} */ label, /** @type {number[]} */ values) => ({
      label,
      unit: /** @type {const} */ ("/s"),
      values,
    });
    rows.push(
      {
        name: `${name} (${bytes} B): envelope only vs JSON.parse`,
        subject: series("envelope", /** @type {number[]} */ (env)),
        baseline: series("JSON.parse", /** @type {number[]} */ (parse)),
        target: { op: ">=", value: 2 },
      },
      {
        name: `${name}: full validateRegistration vs JSON.parse`,
        subject: series("full", /** @type {number[]} */ (full)),
        baseline: series("JSON.parse", /** @type {number[]} */ (parse)),
        target: { op: ">=", value: 0.5 },
      },
      {
        name: `${name}: envelope only vs Ajv`,
        subject: series("envelope", /** @type {number[]} */ (env)),
        baseline: series("Ajv", /** @type {number[]} */ (ajvSeries)),
      },
      {
        name: `${name}: full validateRegistration vs Ajv`,
        subject: series("full", /** @type {number[]} */ (full)),
        baseline: series("Ajv", /** @type {number[]} */ (ajvSeries)),
      },
    );
    if (fromText) {
      rows.push({
        name: `${name}: checkRegistration({ text }) (parse + full) vs JSON.parse`,
        subject: series("parse + full", fromText),
        baseline: series("JSON.parse", /** @type {number[]} */ (parse)),
        note: "the whole path of a payload that arrives as bytes (HTTP, a manifest file); for information",
      });
    }
    log(`  ${name} done`);
  }
  return {
    id: "1",
    title: "Payload validation",
    about: [
      "On the four shipped examples (`packages/schema/examples`; `restart-nomad` is the payload of the",
      "spec). **full**: `validateRegistration(value)` on an already parsed payload, every rule E1-E12",
      "(envelope, names, versions, timestamps, meta-schema, references, limits, pattern safety), its",
      "capability validators compiled and cached by earlier calls. **envelope**: the TypeBox-compiled",
      "`Compile(RegistrationPayload).Check` of `@rune/mrs-schema`. Baselines: `JSON.parse` of the",
      "payload's bytes, and Ajv 8 (draft 2020-12, ajv-formats) compiled from",
      "`@rune/mrs-schema/registration.schema.json`, which checks the envelope only.",
    ].join("\n"),
    rows,
  };
}
