import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const folder = () => mkdtempSync(join(tmpdir(), "lom-config-"));
const write = (dir: string, value: unknown) => {
  const file = join(dir, "lom.config.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};
const faultsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.faults.map((f) => f.pointer);
    throw error;
  }
  throw new Error("expected a ConfigError");
};

describe("lom.config.json", () => {
  it("without a config, runs on the embedded defaults", () => {
    const config = loadConfig(undefined, { examples: ["/examples"], cwd: "/work" });
    expect(config).toMatchObject({ host: "127.0.0.1", port: 7420, read: "open", tokens: [] });
    expect(config.sources).toEqual([{ folder: "/examples" }]);
    expect(config.store).toBe("file:/work/.lom/catalog.json");
  });

  it("resolves paths against the config file's folder and fills the defaults", () => {
    const dir = folder();
    const config = loadConfig(write(dir, { store: "file:state/c.json" }), { examples: [] });
    expect(config.sources).toEqual([{ folder: join(dir, "modules"), optional: true }]);
    expect(config.store).toBe(`file:${join(dir, "state/c.json")}`);
  });

  it("reads tokens from the environment", () => {
    process.env.LOM_TEST_TOKEN = "s3cret";
    const config = loadConfig(write(folder(), { tokens: [{ env: "LOM_TEST_TOKEN", modules: ["*"] }] }), {
      examples: [],
    });
    expect(config.tokens).toEqual([{ token: "s3cret", modules: ["*"] }]);
  });

  it("names every fault of a config that does not validate", () => {
    const file = write(folder(), { listen: "nope", store: "ftp://x", read: "maybe", sourcez: [] });
    expect(faultsOf(() => loadConfig(file, { examples: [] }))).toEqual(
      expect.arrayContaining(["/listen", "/store", "/read"]),
    );
  });

  it("refuses a token from an unset environment variable, and a file that is not JSON", () => {
    const dir = folder();
    expect(
      faultsOf(() => loadConfig(write(dir, { tokens: [{ env: "LOM_UNSET_VAR", modules: ["*"] }] }), { examples: [] })),
    ).toEqual(["/tokens/0/env"]);
    expect(faultsOf(() => loadConfig(write(dir, "{nope"), { examples: [] }))).toEqual([""]);
    expect(faultsOf(() => loadConfig(join(dir, "missing.json"), { examples: [] }))).toEqual([""]);
  });
});
