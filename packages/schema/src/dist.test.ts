import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { specExample } from "./__fixtures__/envelope-cases.js";

// These tests read the built package (turbo runs `build` before `test`).
const packageDir = fileURLToPath(new URL("..", import.meta.url));
/** Loaded by URL, so that typechecking does not need a build. */
const distEsm = new URL("../dist/index.js", import.meta.url).href;
const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** What the package must offer, checked the same way from ESM and from CommonJS (`require(esm)`). */
const probe = `
  const { Compile } = await import("typebox/compile");
  const { RegistrationPayload, defineModule, registrationJsonSchema, MRS_SPEC_VERSION, NAME_PATTERN } = schema;
  const built = defineModule({ name: "probe", version: "1.0.0", capabilities: {
    ping: { description: "Ping", input: { type: "object", properties: {} }, output: { type: "object", properties: {} } } } });
  process.stdout.write(JSON.stringify({
    envelope: Compile(RegistrationPayload).Check(example),
    uppercase: Compile(RegistrationPayload).Check({ ...example, registration_metadata: { ...example.registration_metadata, module_name: "Probe" } }),
    defined: Compile(RegistrationPayload).Check(built.payload),
    id: registrationJsonSchema.$id,
    fileId: file.$id,
    same: JSON.stringify(file) === JSON.stringify(registrationJsonSchema),
    version: MRS_SPEC_VERSION,
    pattern: NAME_PATTERN,
  }));
`;

const expected = {
  envelope: true,
  uppercase: false,
  defined: true,
  id: "https://rune.dev/schemas/mrs/v1/registration.schema.json",
  fileId: "https://rune.dev/schemas/mrs/v1/registration.schema.json",
  same: true,
  version: "1.0",
  pattern: "^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$",
};

/** Runs a script in a fresh Node process inside the package, so `@rune/mrs-schema` resolves through its exports map. */
function runNode(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: packageDir, encoding: "utf8" }));
}

describe("the built package", () => {
  it("loads from ESM by package name: main entry, JSON Schema file and examples", () => {
    const script = `
      import * as schema from "@rune/mrs-schema";
      import file from "@rune/mrs-schema/registration.schema.json" with { type: "json" };
      import example from "@rune/mrs-schema/examples/restart-nomad.json" with { type: "json" };
      ${probe}`;
    expect(runNode(["--no-warnings", "--input-type=module", "--eval", script])).toEqual(expected);
  });

  it("loads from CommonJS by package name (require of the ES module, Node >= 20.19): main entry, JSON Schema file and examples", () => {
    const script = `
      const schema = require("@rune/mrs-schema");
      const file = require("@rune/mrs-schema/registration.schema.json");
      const example = require("@rune/mrs-schema/examples/restart-nomad.json");
      (async () => { ${probe} })();`;
    expect(runNode(["--no-warnings", "--input-type=commonjs", "--eval", script])).toEqual(expected);
  });

  it("imports dist/index.js as ESM", async () => {
    const esm = await import(distEsm);
    expect(esm.registrationJsonSchema.$id).toBe(expected.id);
    expect(esm.defineModule).toBeTypeOf("function");
    expect(esm.RegistrationPayload.properties.capabilities.maxItems).toBe(256);
  });

  it("ships ES modules only: require() gets dist/index.js itself, with the same exports as import", async () => {
    expect(existsSync(new URL("../dist/index.cjs", import.meta.url))).toBe(false);
    const cjs = createRequire(import.meta.url)("../dist/index.js");
    const esm = await import(distEsm);
    expect(Object.keys(cjs).length).toBeGreaterThan(10);
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    expect(cjs.registrationJsonSchema).toEqual(esm.registrationJsonSchema);
    expect(cjs.defineModule(specModuleDefinition()).payload.registration_metadata.module_name).toBe("restart-nomad");
  });

  it("depends on typebox only at run time, and its code imports nothing else", () => {
    expect(Object.keys(packageJson.dependencies)).toEqual(["typebox"]);
    for (const file of ["index.js"]) {
      const code = readFileSync(new URL(`../dist/${file}`, import.meta.url), "utf8");
      const specifiers = [...code.matchAll(/(?:from\s*|require\(|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(specifiers.length).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(specifier, file).toMatch(/^(typebox(\/[a-z]+)?|node:.+)$/);
    }
  });

  it("declares its entry points with types first, and ships the examples", () => {
    expect(packageJson.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(Object.keys(packageJson.exports["."])[0]).toBe("types");
    expect(packageJson.exports["./registration.schema.json"]).toBe("./dist/registration.schema.json");
    expect(packageJson.exports["./examples/*"]).toBe("./examples/*");
    expect(packageJson.files).toEqual(expect.arrayContaining(["dist", "examples"]));
  });
});

/** The spec's module as a defineModule definition of plain JSON Schemas (no TypeBox needed). */
function specModuleDefinition() {
  const [capability] = specExample.capabilities;
  return {
    name: specExample.registration_metadata.module_name,
    version: specExample.registration_metadata.module_version,
    capabilities: {
      [capability.action]: {
        description: capability.description,
        input: structuredClone(capability.input_schema),
        output: structuredClone(capability.output_schema),
      },
    },
  };
}
