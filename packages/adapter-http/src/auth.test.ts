import { describe, expect, it } from "vitest";
import { mayRegister, tokenChecker } from "./auth.js";

describe("tokenChecker", () => {
  const checker = tokenChecker([
    { token: "alpha-secret", modules: ["echo", "ping"] },
    { token: "root-secret", modules: ["*"] },
    { token: "alpha-secret", modules: ["pong"] },
  ]);

  it("MRS-A1 no header, another scheme, an empty or unknown token: no grant", () => {
    for (const header of [
      undefined,
      "",
      "Basic alpha-secret",
      "Bearer ",
      "Bearer alpha-secre",
      "Bearer alpha-secret2",
    ]) {
      expect(checker.check(header), String(header)).toBeNull();
    }
  });

  it("MRS-A1 the scheme is case-insensitive, surrounding blanks are allowed", () => {
    expect(checker.check("bearer root-secret")).toEqual({ every: true });
    expect(checker.check("BEARER   root-secret  ")).toEqual({ every: true });
  });

  it("MRS-A2 a limited token grants its names (merged over grants of the same token), not others", () => {
    const grant = checker.check("Bearer alpha-secret");
    expect(grant).toEqual({ every: false, modules: new Set(["echo", "ping", "pong"]) });
    if (grant === null) throw new Error("no grant");
    expect(mayRegister(grant, "echo")).toBe(true);
    expect(mayRegister(grant, "pong")).toBe(true);
    expect(mayRegister(grant, "other")).toBe(false);
    expect(mayRegister({ every: true }, "anything")).toBe(true);
  });

  it("MRS-A1 with no tokens configured, nothing is granted", () => {
    const none = tokenChecker();
    expect(none.configured).toBe(false);
    expect(none.check("Bearer anything")).toBeNull();
  });

  it("refuses a configuration with an empty token (it would match an empty bearer)", () => {
    expect(() => tokenChecker([{ token: "", modules: ["*"] }])).toThrow(/non-empty/);
  });
});
