import { mrsError } from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { validateFile } from "./commands/validate.js";
import { formatIssue, printable } from "./output.js";

describe("human output", () => {
  it("MRS-E3 shows control and bidi characters of a payload as escapes, never raw", () => {
    const name = "vault\u001b]0;pwned\u0007\u001b[2J\nfake: \u202e✓ valid";
    expect(printable(name)).toBe("vault\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{a}fake: \\u{202e}✓ valid");
    const line = formatIssue(
      mrsError("INVALID_MODULE_NAME", "/registration_metadata/module_name", `"${name}" is not a name`),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the terminal
    expect(line).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/u);
    expect(line.split("\n")).toHaveLength(2);
  });
});

describe("lom validate reads at most the payload limit", () => {
  it("MRS-E11 refuses an endless device as PAYLOAD_TOO_LARGE without reading it all", async () => {
    const { result } = await validateFile("/dev/zero");
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(["PAYLOAD_TOO_LARGE"]);
  });
});
