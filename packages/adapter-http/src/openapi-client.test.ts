import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, packageDir, type Run, tsc, type Workspace, workspace } from "./openapi-test-support.js";
import { ALL, call, startApi, type TestApi } from "./test-support.js";

/** The consumer's code, type-checked against the generated types and run against the API. */
const USAGE = join(packageDir, "openapi-client", "usage.ts");

/** The type-check a consumer would run: strict, the repo's settings, fetch's types from the DOM library. */
const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023", "DOM", "DOM.Iterable"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
  },
  files: ["usage.ts"],
};

/** The served document with the version of a module (`GET /v1/modules/{name}`) documented under another name. */
function drift(document: unknown): unknown {
  type Schema = { properties: Record<string, unknown>; required: string[] };
  const drifted = structuredClone(document) as {
    paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: Schema }> }> } }>;
  };
  const view = drifted.paths["/v1/modules/{name}"]?.get.responses["200"]?.content["application/json"]?.schema;
  if (view?.properties.module_version === undefined) throw new Error("the document no longer has module_version there");
  view.properties.moduleVersion = view.properties.module_version;
  delete view.properties.module_version;
  view.required = view.required.map((name) => (name === "module_version" ? "moduleVersion" : name));
  return drifted;
}

describe("a typed client generated from GET /openapi.json (openapi-typescript, openapi-fetch)", () => {
  let api: TestApi;
  let tmp: Workspace;
  let served: Promise<Checked>;
  let drifted: Promise<Checked>;

  interface Checked {
    readonly generated: Run;
    readonly checked: Run;
  }

  /** Generates `api.ts` from `doc` into `folder` beside a copy of the usage file, and type-checks the copy. */
  async function typecheck(folder: string, doc: unknown): Promise<Checked> {
    mkdirSync(join(tmp.dir, folder));
    const spec = tmp.write(`${folder}/openapi.json`, JSON.stringify(doc));
    const generated = await tmp.run(bin("openapi-typescript"), [spec, "-o", join(tmp.dir, folder, "api.ts")]);
    tmp.write(`${folder}/usage.ts`, readFileSync(USAGE, "utf8"));
    tmp.write(`${folder}/tsconfig.json`, JSON.stringify(TSCONFIG));
    const checked = await tmp.run(process.execPath, [tsc(), "-p", join(tmp.dir, folder, "tsconfig.json")]);
    return { generated, checked };
  }

  beforeAll(async () => {
    api = await startApi();
    tmp = workspace("mrs-openapi-client");
    // The generated code imports openapi-fetch as a consumer's would: from node_modules.
    tmp.write("package.json", JSON.stringify({ type: "module", private: true }));
    symlinkSync(join(packageDir, "node_modules"), join(tmp.dir, "node_modules"), "dir");
    const document = (await call(`${api.url}/openapi.json`)).body;
    // Both type-checks at once (a tsc each): the tests below wait for theirs.
    served = typecheck("served", document);
    drifted = typecheck("drifted", drift(document));
    served.catch(() => undefined);
    drifted.catch(() => undefined);
  });
  afterAll(async () => {
    await Promise.allSettled([served, drifted]);
    tmp?.remove();
    await api?.close();
  });

  it("type-checks the usage file against the types generated from the served document, offline", async () => {
    const { generated, checked } = await served;
    expect(generated.code, generated.stderr).toBe(0);
    expect(checked.stdout).toBe("");
    expect(checked.code).toBe(0);
    expect([...generated.network, ...checked.network]).toEqual([]);
  });

  it("fails the type-check when the document drifts from what the usage file reads", async () => {
    const { generated, checked } = await drifted;
    expect(generated.code, generated.stderr).toBe(0);
    expect(checked.code).not.toBe(0);
    expect(checked.stdout).toMatch(/drifted\/usage\.ts\(\d+,\d+\): error TS2322: /);
    expect(checked.stdout).toContain("The types of 'module.version' are incompatible");
  });
  it("registers, lists, describes and validates with openapi-fetch, every field as documented", async () => {
    const { walkthrough, payload } = await import(pathToFileURL(USAGE).href);
    const result = await walkthrough(api.url, ALL);
    const session = api.registry.session();

    expect(result.registered).toEqual({
      status: 201,
      outcome: "accepted",
      module: "greeter",
      version: "1.2.0",
      sessionId: session.id,
      decisionId: expect.any(String),
      leaseSeconds: 60,
      warnings: [],
    });
    expect(result.again).toEqual({
      status: 409,
      outcome: "rejected",
      codes: ["DUPLICATE_REGISTRATION"],
      identical: true,
      decisionId: expect.any(String),
    });
    expect(result.again.decisionId).not.toBe(result.registered.decisionId);
    expect(result.listed).toEqual({
      status: 200,
      etag: `W/"r${api.registry.revision}"`,
      modules: [
        { name: "greeter", version: "1.2.0", state: "live", actions: ["greet"], extension: "docs", leaseSeconds: 60 },
      ],
    });
    expect(result.notModified).toEqual({ status: 304 });
    expect(result.described).toEqual({
      module: { name: "greeter", version: "1.2.0", source: "http:127.0.0.1", decisionId: result.registered.decisionId },
      capability: {
        address: "greeter/greet",
        name: "greet",
        module: "greeter",
        version: "1.2.0",
        action: "greet",
        description: payload.capabilities[0].description,
        inputRequired: ["name"],
      },
    });
    expect(result.validated).toEqual({
      valid: { valid: true, codes: [] },
      invalid: { valid: false, codes: ["INPUT_INVALID"], pointers: ["/name"] },
      output: { valid: true },
    });
    expect(result.unknown).toEqual({ status: 404, codes: ["UNKNOWN_ACTION"] });
    expect(result.session).toEqual({ id: session.id, modules: 1, capabilities: 1, decisions: 2 });
  });
});
