import { describe, expect, it } from "vitest";
import { utf8Exceeds, utf8Length } from "./utf8.js";

describe("utf8Length", () => {
  it.each([
    ["", 0],
    ["abc", 3],
    ["é", 2],
    ["€", 3],
    ["😀", 4],
    ["\ud800", 3], // a lone surrogate: U+FFFD
    ["\ud800a", 4],
  ])("counts %j as Buffer.byteLength does", (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
    expect(Buffer.byteLength(text, "utf8")).toBe(bytes);
  });

  it("stops one past the bound it is given", () => {
    expect(utf8Length("x".repeat(100), 10)).toBe(11);
  });
});

describe("utf8Exceeds", () => {
  it("MRS-E11 tells a text over the limit as UTF-8, counting only where its length cannot tell", () => {
    // 1,000 units of 3 bytes: within 3,000, over 2,999.
    expect(utf8Exceeds("€".repeat(1000), 3000)).toBe(false);
    expect(utf8Exceeds("€".repeat(1000), 2999)).toBe(true);
    // Short enough never to exceed, whatever it holds.
    expect(utf8Exceeds("😀".repeat(500), 3000)).toBe(false);
    // Longer in units than the limit in bytes.
    expect(utf8Exceeds("a".repeat(3001), 3000)).toBe(true);
    expect(utf8Exceeds("a".repeat(3000), 3000)).toBe(false);
  });
});
