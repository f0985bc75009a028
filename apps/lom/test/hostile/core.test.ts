// The in-process door: the corpus through the core's own entry points (parseRegistration,
// checkRegistration, validateRegistration) and a registry on a memory store.
import { existsSync, readFileSync } from "node:fs";
import { memoryStore } from "@rune/mrs-adapter-memory";
import {
  checkRegistration,
  createRegistry,
  ERROR_CODES,
  parseRegistration,
  type Registry,
  validateRegistration,
} from "@rune/mrs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acceptedName,
  bodyBytes,
  bodyChunks,
  type HostileCase,
  inputOf,
  loadCorpus,
  mismatch,
  prototypeFingerprint,
  STREAM_ABOVE,
  signature,
} from "./corpus.js";

const corpus = loadCorpus();
const RULES = readFileSync(new URL("../../../../docs/RULES.md", import.meta.url), "utf8");

/** The bytes of a case; the streamed ones are assembled here once, as a client of the core would hold them. */
function bytesOf(c: HostileCase): Buffer {
  return c.size > STREAM_ABOVE ? Buffer.concat([...bodyChunks(c, 1024 * 1024)]) : bodyBytes(c);
}

describe("the hostile corpus itself", { timeout: 60_000 }, () => {
  it("every case names a rule of RULES.md, an expected outcome and an HTTP status that fits it", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    for (const c of corpus) {
      expect(RULES, c.name).toMatch(new RegExp(`^\\| ${c.rule} \\|`, "m"));
      if (c.expect === "accepted") expect(c.status, c.name).toBe(201);
      else expect(c.status, c.name).toBeGreaterThanOrEqual(400);
      if (c.inputExpect !== undefined) expect(c.expect, c.name).toBe("accepted");
    }
  });

  it("covers what issue 10 asks for: every E rule, the huge inputs, each door's statuses", () => {
    const rules = new Set(corpus.map((c) => c.rule));
    for (const rule of ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12"]) {
      expect(rules, rule).toContain(rule);
    }
    const sizes = corpus.map((c) => c.size);
    expect(Math.max(...sizes)).toBe(100 * 1024 * 1024);
    expect(sizes).toContain(2 * 1024 * 1024);
    expect(new Set(corpus.map((c) => c.status))).toEqual(new Set([201, 400, 413, 422]));
  });

  it("SECURITY.md lists every case with its rule and expected outcome, and every test file it names exists", () => {
    const security = readFileSync(new URL("../../../../SECURITY.md", import.meta.url), "utf8");
    for (const c of corpus) {
      const expected = c.expect === "accepted" ? "accepted" : `\`${c.expect}\``;
      expect(security, c.name).toContain(`| \`${c.name}\` | ${c.rule} | ${expected}`);
    }
    const named = [...security.matchAll(/`(apps\/lom\/test\/[\w/.-]+\.(?:ts|mjs))`/g)].map((m) => m[1] as string);
    expect(named.length).toBeGreaterThan(5);
    for (const path of named) expect(existsSync(new URL(`../../../../${path}`, import.meta.url)), path).toBe(true);
  });

  it("accepted cases register distinct module names, so one server can take them all", () => {
    const names = corpus.filter((c) => c.expect === "accepted").map(acceptedName);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("door 1, in process: parseRegistration, checkRegistration, validateRegistration", { timeout: 60_000 }, () => {
  const prototypes = prototypeFingerprint();

  it.each(corpus.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s ends as the corpus says",
    (_rule, _name, c) => {
      const bytes = bytesOf(c);
      const checked = checkRegistration({ text: bytes });
      expect(mismatch(c, checked.errors), c.why).toBeUndefined();

      // The two-step path a host would write gives the same answer as checkRegistration.
      const parsed = parseRegistration(bytes);
      const stepwise = parsed.ok ? validateRegistration(parsed.value) : parsed;
      expect(signature(stepwise.errors)).toEqual(signature(checked.errors));
      // Text and bytes are the same door (lom validate reads bytes, a host may hand over a string).
      if (c.base64 === undefined) {
        expect(signature(checkRegistration({ text: bytes.toString("utf8") }).errors)).toEqual(
          signature(checked.errors),
        );
      }
      expect(prototypeFingerprint(), "MRS-E12 no prototype changed").toBe(prototypes);
    },
  );

  it("MRS-E11 MRS-E1 the too-large cases are refused from their size alone: the 100 MiB one in a few milliseconds", () => {
    // Not a speed assertion: a parse of 100 MiB would also fail (as INVALID_JSON or by memory),
    // so the code alone proves the size came first; the message says the size was measured.
    const huge = corpus.find((c) => c.size === 100 * 1024 * 1024) as HostileCase;
    const result = parseRegistration(bytesOf(huge));
    expect(result.errors).toMatchObject([{ code: "PAYLOAD_TOO_LARGE", rule: ERROR_CODES.PAYLOAD_TOO_LARGE.rule }]);
    expect(result.errors[0]?.message).toMatch(/104,857,600 bytes/);
  });
});

describe("door 1, in process: a registry on a memory store records each case and changes nothing on rejection", {
  timeout: 60_000,
}, () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = createRegistry({ store: memoryStore() });
    await registry.start();
  });
  afterAll(() => registry.close());

  it.each(corpus.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "MRS-S9 %s %s: a decision, and the catalog as RULES.md says",
    async (_rule, _name, c) => {
      const prototypes = prototypeFingerprint();
      const modulesBefore = JSON.stringify(registry.modules());
      const decisionsBefore = registry.decisions().length;
      const bytes = bytesOf(c);
      const result = await registry.register({ text: bytes }, `hostile:${c.name}`);

      expect(registry.decisions()).toHaveLength(decisionsBefore + 1);
      const decision = registry.decisions().at(-1);
      expect(decision?.source).toBe(`hostile:${c.name}`);
      if (c.expect === "accepted") {
        expect(result.ok, JSON.stringify(result)).toBe(true);
        const held = registry.module(acceptedName(c));
        if (held === undefined) throw new Error(`${c.name}: accepted but not held`);
        // MRS-E2 MRS-E12: the payload comes back as registered, __proto__ keys and x- members included.
        expect(JSON.stringify(held.payload)).toBe(JSON.stringify(JSON.parse(bytes.toString("utf8"))));
        const input = inputOf(c);
        if (input.present) {
          const action = (held.payload.capabilities[0] as { action: string }).action;
          const check = registry.validateInput(`${acceptedName(c)}/${action}`, JSON.parse(input.text));
          if (c.inputExpect === "valid") expect(check).toEqual({ valid: true });
          else expect(check.valid ? [] : check.errors.map((e) => e.code)).toContain("INPUT_INVALID");
        }
      } else {
        expect(result.ok).toBe(false);
        expect(mismatch(c, result.ok ? [] : result.errors), c.why).toBeUndefined();
        expect(decision?.outcome).toBe("rejected");
        expect(JSON.stringify(registry.modules()), "a rejection changes no module").toBe(modulesBefore);
      }
      expect(prototypeFingerprint(), "MRS-E12 no prototype changed").toBe(prototypes);
    },
  );
});
