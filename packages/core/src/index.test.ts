import { describe, expect, it } from "vitest";
import { PACKAGE } from "./index.js";

describe("@rune/mrs-core", () => {
  it("names itself", () => {
    expect(PACKAGE).toBe("@rune/mrs-core");
  });
});
