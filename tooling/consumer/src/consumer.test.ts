import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publint } from "publint";
import { beforeAll, describe, expect, it } from "vitest";
import { APP, alteredCopy, consumerProject, PUBLISHED, pack, ROOT, run } from "./pack.js";

const work = mkdtempSync(join(tmpdir(), "rune-consumer-"));
const tarballs = new Map<string, string>();
let lomTarball = "";
let project = "";

/** Loads every package by name, from ESM (`import`) or CommonJS (`require`), and lists its exports. */
const loaderScript = (names: readonly string[], style: "esm" | "cjs") =>
  style === "esm"
    ? `const out = {};\nfor (const n of ${JSON.stringify(names)}) out[n] = Object.keys(await import(n)).sort();\nconsole.log(JSON.stringify(out));\n`
    : `const out = {};\nfor (const n of ${JSON.stringify(names)}) out[n] = Object.keys(require(n)).sort();\nconsole.log(JSON.stringify(out));\n`;

/** The server's dependencies, as they show in a loaded module's path or URL. */
const SERVER_ONLY = /\/node_modules\/(fastify|fastify-plugin|@fastify\/[^/]+|prom-client)\//;

beforeAll(() => {
  for (const p of PUBLISHED) tarballs.set(p.name, pack(p.dir, work));
  lomTarball = pack(APP.dir, work);
  // The app's tarball beside the packages': its `@rune/*` ranges resolve to these, nothing else.
  project = consumerProject(
    join(work, "project"),
    [...tarballs.values(), lomTarball],
    ["typescript@5.9.3", "@types/node@20"],
  );
}, 600_000);

describe("every published package, installed together from the tarballs with npm", () => {
  it("ships a tarball per published package", () => {
    expect([...tarballs.keys()].sort()).toEqual(PUBLISHED.map((p) => p.name).sort());
    expect(PUBLISHED.length).toBeGreaterThanOrEqual(6);
  });

  for (const style of ["esm", "cjs"] as const) {
    it(`loads from ${style === "esm" ? "ESM (import)" : "CommonJS (require)"} with its exports`, () => {
      // Every package is an ES module only: require() loads it all the same (require(esm), Node >= 20.19).
      const names = PUBLISHED.map((p) => p.name);
      const file = join(project, `load.${style === "esm" ? "mjs" : "cjs"}`);
      writeFileSync(file, loaderScript(names, style));
      const { status, output } = run(process.execPath, [file], project);
      expect(status, output).toBe(0);
      const exports = JSON.parse(output) as Record<string, string[]>;
      expect(exports["@rune/mrs-core"]).toEqual(expect.arrayContaining(["validateRegistration", "createRegistry"]));
      expect(exports["@rune/mrs-schema"]).toEqual(expect.arrayContaining(["RegistrationPayload", "defineModule"]));
      for (const name of names) expect(exports[name]?.length, name).toBeGreaterThan(0);
    });
  }

  for (const resolution of ["node16", "bundler"] as const) {
    it(`type-checks a consumer using the public types (moduleResolution ${resolution})`, () => {
      writeFileSync(
        join(project, "use-types.ts"),
        `import type { RegistrationPayload, Capability } from "@rune/mrs-schema";
import { validateRegistration, createRegistry, type RegistryStore, type ValidationResult } from "@rune/mrs-core";
import { fileStore } from "@rune/mrs-adapter-file";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createMrsServer } from "@rune/mrs-adapter-http";
import { mrsClient, type ModuleView } from "@rune/mrs-adapter-http/client";
import { httpStore } from "@rune/mrs-adapter-http/store";
import { urlSource } from "@rune/mrs-adapter-http/url-source";
const store: RegistryStore = Math.random() > 2 ? fileStore({ path: "x.json" }) : memoryStore();
const result: ValidationResult<RegistrationPayload> = validateRegistration({});
if (result.ok) { const first: Capability | undefined = result.value.capabilities[0]; void first; }
// @ts-expect-error a registry needs a store
createRegistry({});
void createRegistry({ store });
const remote: RegistryStore = httpStore({ url: "http://127.0.0.1:7420" });
void createRegistry({ store: remote, sources: [urlSource({ urls: ["http://127.0.0.1:8080/mrs"] })] });
const held = await mrsClient({ url: "http://127.0.0.1:7420" }).modules();
if (held.ok) { const names: string[] = held.value.map((m: ModuleView) => m.module_name); void names; }
void createMrsServer;
export {};
`,
      );
      const module = resolution === "node16" ? "node16" : "esnext";
      writeFileSync(
        join(project, `tsconfig.${resolution}.json`),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            module,
            moduleResolution: resolution,
            target: "es2022",
            types: ["node"],
            skipLibCheck: false,
          },
          files: ["use-types.ts"],
        }),
      );
      const { status, output } = run(
        process.execPath,
        [join(project, "node_modules/typescript/bin/tsc"), "-p", `tsconfig.${resolution}.json`],
        project,
      );
      expect(status, output).toBe(0);
    });
  }

  it("MRS-S2 runs a program that validates the spec's example and registers it with the file store", () => {
    const example = readFileSync(join(ROOT, "packages/schema/examples/restart-nomad.json"), "utf8");
    writeFileSync(join(project, "restart-nomad.json"), example);
    writeFileSync(
      join(project, "program.mjs"),
      `import { readFileSync } from "node:fs";
import { validateRegistration, createRegistry } from "@rune/mrs-core";
import { fileStore } from "@rune/mrs-adapter-file";
const payload = JSON.parse(readFileSync("restart-nomad.json", "utf8"));
const valid = validateRegistration(payload);
const registry = createRegistry({ store: fileStore({ path: "state/catalog.json" }) });
await registry.start();
const result = await registry.register({ payload }, "consumer");
await registry.close();
console.log(JSON.stringify({ valid: valid.ok, outcome: result.outcome }));
`,
    );
    const { status, output } = run(process.execPath, ["program.mjs"], project);
    expect(status, output).toBe(0);
    expect(JSON.parse(output.trim().split("\n").pop() ?? "")).toEqual({ valid: true, outcome: "accepted" });
    expect(JSON.parse(readFileSync(join(project, "state/catalog.json"), "utf8"))).toBeTruthy();
  });
});

describe("each published package installed alone, with only the @rune packages it names", () => {
  /** The `@rune/*` packages a package names as dependencies or peers, and theirs, itself included. */
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return seen;
    seen.add(name);
    const published = PUBLISHED.find((p) => p.name === name);
    if (!published) throw new Error(`${name} is not a published package of this repository`);
    const manifest = JSON.parse(readFileSync(join(published.dir, "package.json"), "utf8"));
    for (const field of ["dependencies", "peerDependencies"]) {
      for (const dependency of Object.keys(manifest[field] ?? {})) {
        if (dependency.startsWith("@rune/")) closure(dependency, seen);
      }
    }
    return seen;
  };

  for (const { name } of PUBLISHED) {
    it(`${name}: installs with npm from its tarball and what it names, loads from ESM and CommonJS`, () => {
      const needed = [...closure(name)];
      const alone = consumerProject(
        join(work, `alone-${name.replace("/", "-")}`),
        needed.map((n) => tarballs.get(n) as string),
      );
      // Nothing else of ours came along: the package works with what it declares.
      const installed = readdirSync(join(alone, "node_modules/@rune")).map((folder) => `@rune/${folder}`);
      expect(installed.sort()).toEqual([...needed].sort());
      for (const style of ["esm", "cjs"] as const) {
        const file = join(alone, `load.${style === "esm" ? "mjs" : "cjs"}`);
        writeFileSync(file, loaderScript([name], style));
        const { status, output } = run(process.execPath, [file], alone);
        expect(status, `${style}: ${output}`).toBe(0);
        expect(JSON.parse(output)[name]?.length, style).toBeGreaterThan(0);
      }
    });
  }
});

describe("one core per program, from ESM, CommonJS and TypeScript", () => {
  // Evidence for ES modules only: with the ESM + CommonJS builds of 0.1 this program printed
  // sameFailureClass, sameSchemaCache and adapterExtendsImportedCore false, and two core files
  // (dist/index.cjs and dist/index.js): two cores, two caches of compiled schemas.
  it("a program that imports core and requires it (and an adapter) holds one core instance", () => {
    copyFileSync(join(ROOT, "tooling/consumer/fixtures/one-core.mjs"), join(project, "one-core.mjs"));
    const { status, output } = run(process.execPath, ["one-core.mjs"], project);
    expect(status, output).toBe(0);
    expect(JSON.parse(output.trim().split("\n").pop() ?? "")).toEqual({
      sameFailureClass: true,
      sameSchemaCache: true,
      adapterExtendsImportedCore: true,
      coreFiles: ["@rune/mrs-core/dist/index.js"],
    });
  });

  // TypeScript allows a CommonJS import of an ES module from 5.8 with `module: nodenext` (and
  // `node20` from 5.9); `module: node16` refuses it (TS1479), as it did before Node had require(esm).
  it("TypeScript CommonJS (a .cts file, module nodenext) type-checks, compiles to require() and runs with the one core", () => {
    writeFileSync(
      join(project, "use-cjs.cts"),
      `import { compileSchema, createRegistry, MrsFailure, type RegistryStore } from "@rune/mrs-core";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { FollowInterrupted } from "@rune/mrs-adapter-http/client";
import { RegistrationPayload } from "@rune/mrs-schema";
const store: RegistryStore = memoryStore();
const registry = createRegistry({ store });
const schema = { type: "object" };
void import("@rune/mrs-core").then((imported) =>
  console.log(JSON.stringify({
    commonjs: typeof module === "object" && typeof require === "function",
    registry: typeof registry.start,
    schema: typeof RegistrationPayload,
    adapterSharesCore: Object.getPrototypeOf(FollowInterrupted) === MrsFailure,
    importSharesCore: imported.MrsFailure === MrsFailure && imported.compileSchema(schema) === compileSchema(schema),
  })),
);
`,
    );
    writeFileSync(
      join(project, "tsconfig.cts.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          types: ["node"],
          skipLibCheck: false,
          outDir: "out-cts",
        },
        files: ["use-cjs.cts"],
      }),
    );
    const tsc = run(
      process.execPath,
      [join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.cts.json"],
      project,
    );
    expect(tsc.status, tsc.output).toBe(0);
    const emitted = readFileSync(join(project, "out-cts/use-cjs.cjs"), "utf8");
    expect(emitted).toContain('require("@rune/mrs-core")');
    const { status, output } = run(process.execPath, ["out-cts/use-cjs.cjs"], project);
    expect(status, output).toBe(0);
    expect(JSON.parse(output.trim().split("\n").pop() ?? "")).toEqual({
      commonjs: true,
      registry: "function",
      schema: "object",
      adapterSharesCore: true,
      importSharesCore: true,
    });
  });
});

describe("@rune/mrs-adapter-http: the client side loads no server", () => {
  /** What one entry point exports, and the module files loading it loads (see fixtures/loaded-modules.mjs). */
  const loadedBy = (specifier: string, style: "esm" | "cjs"): { exports: string[]; loaded: string[] } => {
    const script = join(project, "loaded-modules.mjs");
    copyFileSync(join(ROOT, "tooling/consumer/fixtures/loaded-modules.mjs"), script);
    const { status, output } = run(
      process.execPath,
      [script, specifier, style, join(project, `loaded-${style}.log`)],
      project,
    );
    expect(status, output).toBe(0);
    return JSON.parse(output.trim().split("\n").pop() ?? "");
  };
  const exported = { client: "mrsClient", store: "httpStore", "url-source": "urlSource" } as const;

  for (const entry of ["client", "store", "url-source"] as const) {
    for (const style of ["esm", "cjs"] as const) {
      it(`@rune/mrs-adapter-http/${entry} (${style}) loads no fastify, @fastify/* or prom-client`, () => {
        const { exports, loaded } = loadedBy(`@rune/mrs-adapter-http/${entry}`, style);
        // It did load the entry (and, seen through the ESM loader, its files and core's).
        expect(exports).toContain(exported[entry]);
        if (style === "esm") {
          expect(loaded.some((file) => file.includes(`/@rune/mrs-adapter-http/dist/${entry}.js`))).toBe(true);
          expect(loaded.some((file) => file.includes("/@rune/mrs-core/dist/index.js"))).toBe(true);
        }
        expect(loaded.filter((file) => SERVER_ONLY.test(file))).toEqual([]);
      });
    }
  }

  it("the check can fail: the package root (the server) does load fastify, swagger and prom-client", () => {
    for (const style of ["esm", "cjs"] as const) {
      const found = loadedBy("@rune/mrs-adapter-http", style).loaded.filter((file) => SERVER_ONLY.test(file));
      for (const dependency of ["fastify", "@fastify/swagger", "prom-client"]) {
        expect(
          found.some((file) => file.includes(`/node_modules/${dependency}/`)),
          `${dependency} ${style}`,
        ).toBe(true);
      }
    }
  });
});

/** A free port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe("@rune/lom, installed from its tarball with npm", () => {
  const lom = () => join(project, "node_modules/.bin/lom");
  const shipped = (file: string) => join(project, "node_modules/@rune/lom/examples", file);

  it("is a published package: not private, a bin, its dist, dashboard and examples shipped", () => {
    expect(APP.private).toBe(false);
    const manifest = JSON.parse(readFileSync(join(project, "node_modules/@rune/lom/package.json"), "utf8"));
    expect(manifest.bin).toEqual({ lom: "./dist/cli.js" });
    // Its workspace ranges became real ones, all met by the packages' tarballs.
    for (const [name, range] of Object.entries(manifest.dependencies as Record<string, string>)) {
      expect(range, name).not.toMatch(/^workspace:/);
    }
    for (const file of ["dist/cli.js", "dashboard/index.html", "examples/vault-secrets-1.3.0.json"]) {
      expect(() => readFileSync(join(project, "node_modules/@rune/lom", file)), file).not.toThrow();
    }
  });

  it("MRS-E3 lom validate checks a shipped example (valid: exit 0) and the shipped broken one (exit 1)", () => {
    const good = run(lom(), ["validate", "--json", shipped("vault-secrets-1.3.0.json")], project);
    expect(good.status, good.output).toBe(0);
    expect(JSON.parse(good.output).results[0]).toMatchObject({ valid: true, errors: [] });
    const broken = run(lom(), ["validate", "--json", shipped("broken-log-forwarder.json")], project);
    expect(broken.status, broken.output).toBe(1);
    expect(JSON.parse(broken.output).results[0].valid).toBe(false);
  });

  it("MRS-E1 lom schema prints the registration JSON Schema", () => {
    const { status, output } = run(lom(), ["schema"], project);
    expect(status, output).toBe(0);
    const schema = JSON.parse(output);
    expect(schema.properties).toHaveProperty("registration_metadata");
    expect(schema.properties).toHaveProperty("capabilities");
  });

  it("MRS-S2 lom start on a memory store serves the shipped examples: /healthz 200, then SIGTERM exits 0", async () => {
    const port = await freePort();
    writeFileSync(
      join(project, "lom.config.json"),
      JSON.stringify({
        listen: `127.0.0.1:${port}`,
        store: "memory",
        sources: [{ folder: "node_modules/@rune/lom/examples" }],
      }),
    );
    const child = spawn(lom(), ["start", "--config", "lom.config.json", "--log", "json"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Ready is an event: its log line (nothing here waits on a clock).
    const ready = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (/"msg":"ready"/.test(output)) resolve();
      };
      child.stdout?.on("data", (d) => {
        output += d;
        check();
      });
      child.stderr?.on("data", (d) => {
        output += d;
      });
      void exited.then((code) => reject(new Error(`lom start exited with ${code}: ${output}`)));
    });
    try {
      await ready;
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const modules = (await (await fetch(`http://127.0.0.1:${port}/v1/modules`)).json()) as {
        modules: { module_name: string }[];
      };
      expect(modules.modules.map((m) => m.module_name)).toContain("vault-secrets");
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, output).toBe(0);
  });

  it("@rune/lom: publint reports no error or warning", async () => {
    const tarball = readFileSync(lomTarball);
    const { messages } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      level: "warning",
    });
    expect(messages).toEqual([]);
  });
});

describe("publint and arethetypeswrong on every packed package", () => {
  for (const p of PUBLISHED) {
    it(`${p.name}: publint reports no error or warning`, async () => {
      const tarball = readFileSync(tarballs.get(p.name) as string);
      const { messages } = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
        level: "warning",
      });
      expect(messages).toEqual([]);
    });
    it(`${p.name}: arethetypeswrong finds no problem`, () => {
      const { status, output } = run(
        join(ROOT, "tooling/consumer/node_modules/.bin/attw"),
        // Every resolution a Node consumer uses (node16 from ESM and from CommonJS, and bundler),
        // less one rule: `cjs-resolves-to-esm` calls a require() that gets an ES module an error,
        // which it is not from Node 20.19 (our engines: require(esm)) nor for TypeScript 5.8+
        // with `module: nodenext`. That it works is proven above, from CommonJS and from a
        // TypeScript .cts file; every other problem from CommonJS still fails this check.
        [
          "--no-color",
          "--profile",
          "node16",
          "--ignore-rules",
          "cjs-resolves-to-esm",
          "--",
          tarballs.get(p.name) as string,
        ],
        ROOT,
      );
      expect(status, output).toBe(0);
    });
  }
});

describe("the checks can fail", () => {
  it("a broken exports map makes the consumer checks fail", async () => {
    const schema = PUBLISHED.find((p) => p.name === "@rune/mrs-schema");
    if (!schema) throw new Error("no schema package");
    const copy = alteredCopy(schema.dir, join(work, "broken-schema"), (manifest) => {
      const root = (manifest.exports as Record<string, { default: string }>)["."];
      if (root) root.default = "./dist/missing.js";
    });
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
      cwd: copy,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop() as string;
    const broken = consumerProject(join(work, "broken-project"), [join(work, tarball)]);
    writeFileSync(join(broken, "load.mjs"), loaderScript(["@rune/mrs-schema"], "esm"));
    expect(run(process.execPath, ["load.mjs"], broken).status).not.toBe(0);
    const bytes = readFileSync(join(work, tarball));
    const { messages } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: "warning",
    });
    expect(messages.map((m) => m.code)).toContain("FILE_DOES_NOT_EXIST");
  });
});
