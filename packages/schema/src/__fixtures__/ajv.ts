import { Ajv2020, type Options } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";

/**
 * A plain Ajv for JSON Schema 2020-12, as a module author would set it up: strict, every error
 * reported, formats asserted (ajv-formats), and the file's one annotation keyword declared.
 */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, ...options });
  ajv.addKeyword("x-mrs-spec-version");
  // ajv-formats is CommonJS: under NodeNext its default import is `module.exports`.
  ajvFormats.default(ajv);
  return ajv;
}
