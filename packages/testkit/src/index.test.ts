import { describe, expect, it } from "vitest";
import { PACKAGE } from "./index.js";

describe("@rune/mrs-testkit", () => {
  it("names itself", () => {
    expect(PACKAGE).toBe("@rune/mrs-testkit");
  });
});
