import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ERROR_CODES, type MrsError, WARNING_CODES } from "./errors.js";
import { checkRegistration, parseRegistration, validateRegistration } from "./validate.js";
import { resolvePointer, segmentsOf } from "./validation/pointer.js";
import { INTERNAL_FAULT } from "./validation/registration.js";

// Bounded so that the whole file stays within a few seconds on a 2-core machine.
const RUNS = { numRuns: 250 };

// The spec's own example, as the schema package ships it: one copy for every test that needs it.
const SPEC_PAYLOAD: Record<string, unknown> = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@rune/mrs-schema/examples/restart-nomad.json"), "utf8"),
);

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

/** Every error is a registry code with its rule, never the validator's own fault. */
function expectWellFormed(errors: readonly MrsError[]): void {
  for (const error of errors) {
    expect(ERROR_CODES[error.code]?.rule ?? WARNING_CODES[error.code as keyof typeof WARNING_CODES]?.rule).toBe(
      error.rule,
    );
    expect(error.message.startsWith(INTERNAL_FAULT), error.message).toBe(false);
    expect(segmentsOf(error.pointer), error.pointer).toBeDefined();
  }
}

/** A pointer names a value of the payload, or a missing member of one. */
function expectPointsIntoPayload(payload: unknown, error: MrsError): void {
  if (resolvePointer(payload, error.pointer).found) return;
  const parent = error.pointer.slice(0, error.pointer.lastIndexOf("/"));
  expect(resolvePointer(payload, parent).found, `${error.code} ${error.pointer}`).toBe(true);
}

/** An edit of the spec's payload: replace, delete or add at a path of keys that exist or not. */
const edit = fc.record({
  path: fc.array(
    fc.oneof(
      fc.constantFrom(
        "registration_metadata",
        "capabilities",
        "module_name",
        "module_version",
        "registered_at",
        "action",
        "description",
        "input_schema",
        "output_schema",
        "properties",
        "type",
        "required",
        "result",
        "__proto__",
        "x-ext",
      ),
      fc.nat({ max: 2 }),
      fc.string({ maxLength: 6 }),
    ),
    { minLength: 1, maxLength: 5 },
  ),
  kind: fc.constantFrom("replace", "delete", "add"),
  value: fc.jsonValue({ maxDepth: 3 }),
});

function applyEdits(edits: readonly { path: (string | number)[]; kind: string; value: unknown }[]): unknown {
  const payload = JSON.parse(JSON.stringify(SPEC_PAYLOAD)) as unknown;
  for (const { path, kind, value } of edits) {
    let holder: unknown = payload;
    for (const key of path.slice(0, -1)) {
      if (typeof holder !== "object" || holder === null || !Object.hasOwn(holder, key)) break;
      holder = (holder as Record<string, unknown>)[key];
    }
    if (typeof holder !== "object" || holder === null) continue;
    const last = String(path.at(-1));
    if (kind === "delete") delete (holder as Record<string, unknown>)[last];
    // defineProperty writes `__proto__` as a plain member, as JSON.parse would.
    else Object.defineProperty(holder, last, { value, enumerable: true, configurable: true, writable: true });
  }
  return payload;
}

describe("no input, however malformed, makes validation throw (fast-check)", () => {
  it("validateRegistration returns a result for any value", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true }), (value) => {
        const result = validateRegistration(value);
        expect(result.ok).toBe(false);
        expectWellFormed(result.errors);
      }),
      RUNS,
    );
  });

  it("parseRegistration and checkRegistration return a result for any JSON value's text", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const parsed = parseRegistration(text);
        expect(parsed.ok).toBe(true);
        const checked = checkRegistration({ text });
        expectWellFormed(checked.errors);
        expect(checked).toEqual(validateRegistration(parsed.ok ? parsed.value : undefined));
      }),
      RUNS,
    );
  });

  it("parseRegistration agrees with JSON.parse on any string and any bytes, and never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.uint8Array({ maxLength: 64 })), (input) => {
        const result = parseRegistration(input);
        const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        if (typeof input === "string") expect(result.ok).toBe(parses);
        if (!result.ok) expect(result.errors[0]?.code).toBe("INVALID_JSON");
        checkRegistration(typeof input === "string" ? { text: input } : { text: input });
      }),
      RUNS,
    );
  });

  it("validateRegistration reports well-formed errors pointing into any edited payload", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const payload = applyEdits(edits);
        const result = validateRegistration(payload);
        expectWellFormed(result.errors);
        for (const error of result.errors) expectPointsIntoPayload(payload, error);
        const keys = result.errors.map((error) => `${error.code} ${error.pointer}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      RUNS,
    );
  });

  it("validateRegistration accepts the spec's payload with any x- extensions added", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 8 }).map((key) => `x-${key}`),
          fc.jsonValue({ maxDepth: 4 }),
        ),
        (extensions) => {
          const result = validateRegistration({ ...SPEC_PAYLOAD, ...extensions });
          expect(result.errors).toEqual([]);
        },
      ),
      RUNS,
    );
  });
});
