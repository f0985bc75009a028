import { describe, expect, it } from "vitest";

describe("lom", () => {
  it("has a test", () => {
    expect(1 + 1).toBe(2);
  });
});
