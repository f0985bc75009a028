import { describe, expect, it } from "vitest";
import { checkName } from "./names.js";

const moduleName = (value: unknown) =>
  checkName(value, "/registration_metadata/module_name", "INVALID_MODULE_NAME", "module_name");

describe("MRS-E3 names with characters beyond ASCII", () => {
  it('MRS-E3 a Cyrillic "а" in "vаult-secrets" is named with its code point, not slugged to "v-ult-secrets"', () => {
    const error = moduleName("v\u0430ult-secrets");
    expect(error).toMatchObject({
      code: "INVALID_MODULE_NAME",
      rule: "E3",
      pointer: "/registration_metadata/module_name",
      hint: '"\u0430" (U+0430) is not ASCII: use a-z',
    });
    expect(error?.hint).not.toMatch(/v-ult/);
  });

  it("MRS-E3 a name all in look-alike Cyrillic names each distinct character, three at most, and counts the rest", () => {
    // "ресар": р, е, с, а, р (р twice).
    expect(moduleName("\u0440\u0435\u0441\u0430\u0440")?.hint).toBe(
      '"\u0440" (U+0440), "\u0435" (U+0435), "\u0441" (U+0441) and 1 more are not ASCII: use a-z',
    );
    expect(moduleName("n\u03bfmad-\u0430gent")?.hint).toBe(
      '"\u03bf" (U+03BF) and "\u0430" (U+0430) are not ASCII: use a-z',
    );
  });

  it("MRS-E3 a character beyond the Basic Multilingual Plane is one code point, not two halves", () => {
    expect(moduleName("vault-\u{1D5BA}")?.hint).toBe('"\u{1D5BA}" (U+1D5BA) is not ASCII: use a-z');
  });

  it("MRS-E3 invisible and combining characters get named by code point too", () => {
    expect(moduleName("vault\u200bsecrets")?.hint).toBe('"\u200b" (U+200B) is not ASCII: use a-z');
    expect(moduleName("cafe\u0301")?.hint).toBe('"\u0301" (U+0301) is not ASCII: use a-z');
  });

  it("MRS-E3 a name only wrong by case keeps its lowercase hint, even through a non-ASCII capital that lowercases to ASCII", () => {
    expect(moduleName("Vault-Secrets")?.hint).toBe('use "vault-secrets"');
    // The Kelvin sign (U+212A) lowercases to an ASCII "k".
    expect(moduleName("\u212Aelvin")?.hint).toBe('use "kelvin"');
  });

  it("MRS-E3 an ASCII name that is wrong keeps its slug hint", () => {
    expect(moduleName("Restart Nomad!")?.hint).toBe('use "restart-nomad"');
    expect(moduleName("vault-secrets")).toBeUndefined();
  });

  it("MRS-E7 an action name gets the same hint", () => {
    expect(checkName("r\u0435start", "/capabilities/0/action", "INVALID_ACTION_NAME", "action")).toMatchObject({
      code: "INVALID_ACTION_NAME",
      rule: "E7",
      hint: '"\u0435" (U+0435) is not ASCII: use a-z',
    });
  });
});
