import { describe, expect, it } from "vitest";
import { PACKAGE } from "./index.js";

describe("@rune/mrs-adapter-http", () => {
  it("names itself", () => {
    expect(PACKAGE).toBe("@rune/mrs-adapter-http");
  });
});
