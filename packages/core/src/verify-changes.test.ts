import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { payload } from "../test/support.js";
import { applyChanges, type Change } from "./changes.js";
import type { CompatibilityReport } from "./compat/types.js";
import { type CheckedRegistration, decideRegistrations } from "./decide.js";
import { registrationDigest } from "./digest.js";
import { ERROR_CODES, type MrsError } from "./errors.js";
import { deregistrationChanges, revivalChanges, sweepChanges } from "./liveness.js";
import type { CatalogData, Decision, ModuleRecord } from "./model.js";
import { validateRegistration } from "./validate.js";
import { resolvePointer } from "./validation/pointer.js";
import { MAX_VERIFY_ERRORS, verifyChanges } from "./verify-changes.js";

const AT = "2026-01-01T00:00:00.000Z";
const SESSION = { id: "s1", startedAt: AT };

/** A stamp with predictable ids: `d1`, `d2`, ... */
function stamp(prefix = "d") {
  let n = 0;
  return { now: () => AT, newId: () => `${prefix}${++n}` };
}

function checked(value: unknown, source = "test"): CheckedRegistration {
  const result = validateRegistration(value);
  const meta = (value as { registration_metadata?: { module_name?: unknown; module_version?: unknown } })
    .registration_metadata;
  return {
    result,
    source,
    module: typeof meta?.module_name === "string" ? meta.module_name : null,
    version: typeof meta?.module_version === "string" ? meta.module_version : null,
    digest: registrationDigest(JSON.stringify(value)),
  };
}

/** The changes the registry itself commits for these payloads, on `held` (or opening a session). */
function decided(held: CatalogData | null, payloads: unknown[], prefix = "d"): Change[] {
  const items = payloads.map((p) => checked(p));
  return [...decideRegistrations(held, items, stamp(prefix), held === null ? { openSession: SESSION } : {}).changes];
}

/** A session holding `nomad@1.0.0` and `vault@2.0.0`. */
function heldCatalog(): CatalogData {
  return applyChanges(null, decided(null, [payload("nomad", "1.0.0"), payload("vault", "2.0.0")], "h"));
}

const accept = (module: string, version: string, id: string, extra: Partial<Decision> = {}): Change => ({
  type: "decision.recorded",
  decision: {
    id,
    sessionId: SESSION.id,
    at: AT,
    source: "test",
    outcome: "accepted",
    module,
    version,
    errors: [],
    warnings: [],
    ...extra,
  },
});
const put = (value: unknown, decisionId: string): Change => ({
  type: "module.put",
  record: { payload: value, source: "test", acceptedAt: AT, decisionId } as ModuleRecord,
});

function errorsOf(held: CatalogData | null, changes: unknown): MrsError[] {
  const result = verifyChanges(held, changes);
  return [...result.errors];
}
const codeAt = (errors: readonly MrsError[]) => errors.map((e) => [e.code, e.pointer]);

describe("verifyChanges: what the registry itself commits passes", () => {
  it("MRS-S2 MRS-S9 a first commit: the session opened, then each accepted decision with its module.put", () => {
    const changes = decided(null, [payload("nomad", "1.0.0"), payload("vault", "2.0.0")]);
    expect(verifyChanges(null, changes)).toEqual({ ok: true, value: changes, errors: [], warnings: [] });
  });

  it("MRS-S3 MRS-S4 MRS-S5 MRS-S9 upgrades, and rejections recorded without a put, on a held session", () => {
    const held = heldCatalog();
    const changes = decided(held, [
      payload("nomad", "1.1.0"), // S3 upgraded
      payload("vault", "1.0.0"), // S4 rejected
      payload("vault", "2.0.0"), // S5 rejected (identical)
      { registration_metadata: { module_name: "Bad" } }, // E rules: rejected
      payload("consul", "0.1.0"), // S2 accepted
      payload("consul", "0.2.0"), // S3 upgraded within the batch
    ]);
    expect(changes.filter((c) => c.type === "module.put")).toHaveLength(3);
    expect(verifyChanges(held, changes).errors).toEqual([]);
  });

  it("MRS-S10 a refresh: a new session opened on a held store drops what the old one held", () => {
    const held = heldCatalog();
    const changes = decideRegistrations(held, [checked(payload("nomad", "0.1.0"))], stamp("r"), {
      openSession: { id: "s2", startedAt: AT },
    }).changes;
    // nomad@0.1.0 is lower than the 1.0.0 held, but the new session holds nothing yet: accepted (S2).
    expect(verifyChanges(held, changes).errors).toEqual([]);
  });

  it("MRS-E12 a payload with __proto__ keys and x- extensions passes as data and changes no prototype", () => {
    const tricky = JSON.parse(
      JSON.stringify({ ...payload("tricky", "1.0.0"), "x-vendor": { team: "sre" } }).replace(
        '"properties":{',
        '"properties":{"__proto__":{"type":"string"},',
      ),
    );
    const changes = decided(null, [tricky]);
    expect(verifyChanges(null, changes).errors).toEqual([]);
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });

  it("MRS-R1 reads only the session and the modules the batch touches: it costs what the batch is", () => {
    const read = new Set<string>();
    const modules = new Proxy(heldCatalog().modules, {
      getOwnPropertyDescriptor(target, key) {
        read.add(String(key));
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys() {
        throw new Error("the whole catalog was listed");
      },
    });
    const held = {
      session: SESSION,
      modules,
      get decisions(): never {
        throw new Error("the decisions were read");
      },
    } as CatalogData;
    const changes = decided(heldCatalog(), [payload("nomad", "2.0.0"), payload("consul", "1.0.0")]);
    expect(verifyChanges(held, changes).errors).toEqual([]);
    expect([...read].sort()).toEqual(["consul", "nomad"]);
  });
});

describe("verifyChanges: malformed batches are INVALID_REQUEST at their pointer", () => {
  it("not an array, or an empty one", () => {
    expect(codeAt(errorsOf(null, { type: "session.opened" }))).toEqual([["INVALID_REQUEST", "/changes"]]);
    expect(codeAt(errorsOf(heldCatalog(), []))).toEqual([["INVALID_REQUEST", "/changes"]]);
    expect(codeAt(verifyChanges(heldCatalog(), 7, { at: "/body/changes" }).errors)).toEqual([
      ["INVALID_REQUEST", "/body/changes"],
    ]);
  });

  it("a change that is not an object, has an unknown type, or an unknown member", () => {
    const errors = errorsOf(heldCatalog(), [
      "module.put",
      { type: "module.patched" },
      { type: "module.removed", module: "nomad", revision: 3 },
      { type: "session.opened", session: { id: "", startedAt: "yesterday" } },
    ]);
    expect(codeAt(errors)).toEqual([
      ["INVALID_REQUEST", "/changes/0"],
      ["INVALID_REQUEST", "/changes/1/type"],
      ["INVALID_REQUEST", "/changes/2/revision"],
      ["INVALID_REQUEST", "/changes/3/session/id"],
      ["INVALID_REQUEST", "/changes/3/session/startedAt"],
    ]);
    for (const error of errors) expect(error.rule).toBe(ERROR_CODES.INVALID_REQUEST.rule);
  });

  it("a decision without its members, or with members of the wrong type", () => {
    const errors = errorsOf(heldCatalog(), [
      {
        type: "decision.recorded",
        decision: { id: "x", sessionId: "s1", at: AT, outcome: "maybe", module: 3, digest: "abc" },
      },
    ]);
    expect(codeAt(errors)).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/source"],
      ["INVALID_REQUEST", "/changes/0/decision/outcome"],
      ["INVALID_REQUEST", "/changes/0/decision/module"],
      ["INVALID_REQUEST", "/changes/0/decision/version"],
      ["INVALID_REQUEST", "/changes/0/decision/digest"],
      ["INVALID_REQUEST", "/changes/0/decision/errors"],
      ["INVALID_REQUEST", "/changes/0/decision/warnings"],
    ]);
  });

  it("MRS-S9 a rejected decision says why; an accepted one has no errors; only an upgrade names a previousVersion", () => {
    const rejectedWithoutErrors = accept("nomad", "0.1.0", "x1", { outcome: "rejected" });
    const acceptedWithErrors = accept("consul", "1.0.0", "x2", {
      errors: [{ code: "INVALID_VERSION", rule: "E4", pointer: "", message: "no" }],
      previousVersion: "0.9.0",
    });
    const errors = errorsOf(heldCatalog(), [
      rejectedWithoutErrors,
      acceptedWithErrors,
      put(payload("consul", "1.0.0"), "x2"),
    ]);
    expect(codeAt(errors)).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/errors"],
      ["INVALID_REQUEST", "/changes/1/decision/previousVersion"],
      ["INVALID_REQUEST", "/changes/1/decision/errors"],
    ]);
  });

  it("MRS-R1 a decision id used twice in one batch", () => {
    const rejected = decided(heldCatalog(), [payload("vault", "1.0.0")]);
    expect(codeAt(errorsOf(heldCatalog(), [...rejected, ...rejected]))).toEqual([
      ["INVALID_REQUEST", "/changes/1/decision/id"],
    ]);
  });

  it("a value no JSON could carry is refused, never thrown", () => {
    const cyclic: Record<string, unknown> = { registration_metadata: {} };
    cyclic.self = cyclic;
    expect(codeAt(errorsOf(heldCatalog(), [accept("a", "1.0.0", "c"), put(cyclic, "c")]))).toEqual([
      ["INVALID_PAYLOAD", "/changes/1/record/payload"],
    ]);
  });

  it("never throws, whatever it is given, and every error has a registry code, its rule and a pointer", () => {
    fc.assert(
      fc.property(fc.option(fc.constant(heldCatalog()), { nil: null }), fc.anything(), (held, changes) => {
        const result = verifyChanges(held, changes);
        for (const error of result.errors) {
          expect(ERROR_CODES[error.code]?.rule).toBe(error.rule);
          expect(error.pointer.startsWith("/changes")).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // Change-shaped junk: whatever passes can be applied.
    const junk = fc.record(
      {
        type: fc.constantFrom("session.opened", "module.put", "decision.recorded", "module.removed"),
        session: fc.oneof(fc.constant(SESSION), fc.anything()),
        record: fc.anything(),
        decision: fc.anything(),
        module: fc.oneof(fc.constant("nomad"), fc.anything()),
      },
      { requiredKeys: ["type"] },
    );
    fc.assert(
      fc.property(fc.option(fc.constant(heldCatalog()), { nil: null }), fc.array(junk), (held, changes) => {
        const result = verifyChanges(held, changes);
        if (result.ok) expect(() => applyChanges(structuredClone(held), result.value)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it("reports at most MAX_VERIFY_ERRORS errors", () => {
    const junk = Array.from({ length: MAX_VERIFY_ERRORS * 2 }, () => 0);
    expect(errorsOf(heldCatalog(), junk)).toHaveLength(MAX_VERIFY_ERRORS);
  });
});

describe("verifyChanges: sessions", () => {
  it("MRS-S9 MRS-R1 a batch on an empty store opens a session first", () => {
    const changes = decided(null, [payload("nomad", "1.0.0")]).slice(1);
    expect(codeAt(errorsOf(null, changes))).toEqual([["INVALID_REQUEST", "/changes/0"]]);
  });

  it("MRS-S9 every decision belongs to the session in force where it stands", () => {
    const held = heldCatalog();
    const elsewhere = accept("consul", "1.0.0", "e1", { sessionId: "s0" });
    expect(codeAt(errorsOf(held, [elsewhere, put(payload("consul", "1.0.0"), "e1")]))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/sessionId"],
    ]);
    // After a session.opened in the batch, the decisions that follow name the new session.
    const refresh = [{ type: "session.opened", session: { id: "s2", startedAt: AT } }, accept("consul", "1.0.0", "e2")];
    expect(codeAt(errorsOf(held, [...refresh, put(payload("consul", "1.0.0"), "e2")]))).toEqual([
      ["INVALID_REQUEST", "/changes/1/decision/sessionId"],
    ]);
  });

  it("MRS-S10 a new session needs an id of its own", () => {
    expect(codeAt(errorsOf(heldCatalog(), [{ type: "session.opened", session: SESSION }]))).toEqual([
      ["INVALID_REQUEST", "/changes/0/session/id"],
    ]);
  });

  it("MRS-S9 a put and its decision stand in the same session", () => {
    const changes = [
      accept("consul", "1.0.0", "p1"),
      { type: "session.opened", session: { id: "s2", startedAt: AT } },
      put(payload("consul", "1.0.0"), "p1"),
    ];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([
      ["INVALID_REQUEST", "/changes/2/record/decisionId"],
      ["INVALID_REQUEST", "/changes/0/decision/outcome"],
    ]);
  });
});

describe("verifyChanges: every module.put passes the envelope rules (E1-E12)", () => {
  it("MRS-E3 MRS-E4 a payload that fails: refused with its codes, at pointers into the request body", () => {
    const bad = payload("nomad", "2.0");
    (bad.registration_metadata as Record<string, unknown>).module_name = "Nomad";
    const changes = [accept("nomad", "2.0", "b1"), put(bad, "b1")];
    const errors = errorsOf(heldCatalog(), changes);
    expect(codeAt(errors)).toEqual([
      ["INVALID_MODULE_NAME", "/changes/1/record/payload/registration_metadata/module_name"],
      ["INVALID_VERSION", "/changes/1/record/payload/registration_metadata/module_version"],
    ]);
    expect(errors.map((e) => e.rule)).toEqual(["E3", "E4"]);
    for (const error of errors) expect(resolvePointer({ changes }, error.pointer).found).toBe(true);
  });

  it("MRS-E2 an unknown member of a payload is UNKNOWN_FIELD at its pointer", () => {
    const bad = { ...payload("consul", "1.0.0"), capabilites: [] };
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "u1"), put(bad, "u1")]))).toEqual([
      ["UNKNOWN_FIELD", "/changes/1/record/payload/capabilites"],
    ]);
  });

  it("MRS-E1 a put without a payload is INVALID_PAYLOAD", () => {
    const change = { type: "module.put", record: { source: "t", acceptedAt: AT, decisionId: "n1" } };
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "n1"), change]))).toEqual([
      ["INVALID_PAYLOAD", "/changes/1/record/payload"],
    ]);
  });

  it("MRS-E11 a payload over 1 MiB is PAYLOAD_TOO_LARGE", () => {
    const big = payload("consul", "1.0.0");
    (big as Record<string, unknown>)["x-padding"] = "é".repeat(600_000);
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "l1"), put(big, "l1")]))).toEqual([
      ["PAYLOAD_TOO_LARGE", "/changes/1/record/payload"],
    ]);
  });

  it("MRS-E11 a hostile pattern is UNSAFE_PATTERN, as it would be on registering", () => {
    const bad = payload("consul", "1.0.0");
    (bad.capabilities[0]?.input_schema.properties.msg as Record<string, unknown>).pattern = "^(?=(a+)+$)";
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "r1"), put(bad, "r1")]))).toEqual([
      ["UNSAFE_PATTERN", "/changes/1/record/payload/capabilities/0/input_schema/properties/msg/pattern"],
    ]);
  });

  it("MRS-S9 a record of the wrong shape is INVALID_REQUEST at its member", () => {
    const change = {
      type: "module.put",
      record: { payload: payload("consul", "1.0.0"), source: "", acceptedAt: "now", decisionId: "w1", extra: 1 },
    };
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "w1"), change]))).toEqual([
      ["INVALID_REQUEST", "/changes/1/record/extra"],
      ["INVALID_REQUEST", "/changes/1/record/source"],
      ["INVALID_REQUEST", "/changes/1/record/acceptedAt"],
    ]);
  });
});

describe("verifyChanges: every module.put is a legal step (S1-S6)", () => {
  it("MRS-S4 a version lower than the one held is VERSION_SUPERSEDED", () => {
    const changes = [accept("nomad", "0.9.0", "v1"), put(payload("nomad", "0.9.0"), "v1")];
    const errors = errorsOf(heldCatalog(), changes);
    expect(codeAt(errors)).toEqual([
      ["VERSION_SUPERSEDED", "/changes/1/record/payload/registration_metadata/module_version"],
    ]);
    expect(errors[0]?.rule).toBe("S4");
  });

  it("MRS-S5 the version held again is DUPLICATE_REGISTRATION, identical or not", () => {
    const same = [accept("vault", "2.0.0", "v2"), put(payload("vault", "2.0.0"), "v2")];
    expect(errorsOf(heldCatalog(), same)).toMatchObject([
      {
        code: "DUPLICATE_REGISTRATION",
        rule: "S5",
        identical: true,
        pointer: "/changes/1/record/payload/registration_metadata/module_name",
      },
    ]);
    const other = [accept("vault", "2.0.0+build.7", "v3"), put(payload("vault", "2.0.0+build.7", ["other"]), "v3")];
    expect(errorsOf(heldCatalog(), other)).toMatchObject([{ code: "DUPLICATE_REGISTRATION", identical: false }]);
  });

  it("MRS-S1 MRS-S5 two puts of one name and version in one batch: the second is a duplicate", () => {
    const changes = [
      accept("consul", "1.0.0", "t1"),
      put(payload("consul", "1.0.0"), "t1"),
      accept("consul", "1.0.0", "t2"),
      put(payload("consul", "1.0.0"), "t2"),
    ];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([
      ["DUPLICATE_REGISTRATION", "/changes/3/record/payload/registration_metadata/module_name"],
    ]);
  });

  it("MRS-S3 MRS-S6 an upgrade's decision says upgraded and names the version it replaced", () => {
    const asAccepted = [accept("nomad", "2.0.0-rc.1", "g1"), put(payload("nomad", "2.0.0-rc.1"), "g1")];
    expect(codeAt(errorsOf(heldCatalog(), asAccepted))).toEqual([["INVALID_REQUEST", "/changes/0/decision/outcome"]]);
    const wrongPrevious = [
      accept("nomad", "2.0.0", "g2", { outcome: "upgraded", previousVersion: "0.5.0" }),
      put(payload("nomad", "2.0.0"), "g2"),
    ];
    expect(codeAt(errorsOf(heldCatalog(), wrongPrevious))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/previousVersion"],
    ]);
    const right = [
      accept("nomad", "2.0.0", "g3", { outcome: "upgraded", previousVersion: "1.0.0" }),
      put(payload("nomad", "2.0.0"), "g3"),
    ];
    expect(errorsOf(heldCatalog(), right)).toEqual([]);
  });

  it("MRS-S2 a name new in the session is accepted, not upgraded", () => {
    const changes = [
      accept("consul", "1.0.0", "n2", { outcome: "upgraded", previousVersion: "0.1.0" }),
      put(payload("consul", "1.0.0"), "n2"),
    ];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([["INVALID_REQUEST", "/changes/0/decision/outcome"]]);
  });
});

describe("verifyChanges: upgrades and compatibility (C1, C2)", () => {
  /** nomad@1.1.0 without the action nomad@1.0.0 declared: a break, undeclared by a minor bump. */
  const breaking = () => payload("nomad", "1.1.0", ["other"]);

  it("MRS-C1 MRS-C2 what the registry commits for a breaking upgrade under warn passes, with its comparison", () => {
    const held = heldCatalog();
    const changes = decided(held, [breaking()]);
    const decision = (changes[0] as { decision: Decision }).decision;
    expect(decision.compatibility).toMatchObject({ breaking: true, declared: false });
    expect(decision.warnings.map((w) => w.code)).toEqual(["BREAKING_CHANGE_UNDECLARED"]);
    expect(verifyChanges(held, changes).errors).toEqual([]);
  });

  it("MRS-C1 a comparison whose verdict is not what the versions compare to is refused", () => {
    const held = heldCatalog();
    const changes = decided(held, [breaking()]);
    const decision = (changes[0] as { decision: Decision }).decision;
    const compatibility = { ...(decision.compatibility as CompatibilityReport), breaking: false };
    const lying = [{ type: "decision.recorded", decision: { ...decision, compatibility } }, changes[1]];
    expect(codeAt(errorsOf(held, lying))).toEqual([["INVALID_REQUEST", "/changes/0/decision/compatibility/breaking"]]);
    const onAccept = [accept("consul", "1.0.0", "c1", { compatibility }), put(payload("consul", "1.0.0"), "c1")];
    expect(codeAt(errorsOf(held, onAccept))).toEqual([["INVALID_REQUEST", "/changes/0/decision/compatibility"]]);
  });

  it("MRS-C2 under a strict policy, an undeclared breaking upgrade is BREAKING_CHANGE_UNDECLARED; a declared one passes", () => {
    const held = heldCatalog();
    const errors = verifyChanges(held, decided(held, [breaking()]), { compatibility: "strict" }).errors;
    expect(codeAt(errors)).toEqual([
      ["BREAKING_CHANGE_UNDECLARED", "/changes/1/record/payload/registration_metadata/module_version"],
    ]);
    expect(errors[0]?.rule).toBe("C2");
    const declared = decided(held, [payload("nomad", "2.0.0", ["other"])]);
    expect(verifyChanges(held, declared, { compatibility: "strict" }).errors).toEqual([]);
  });
});

describe("verifyChanges: each put is paired with its decision (S9)", () => {
  it("MRS-S9 a put without its decision, and an accepted decision without its put", () => {
    expect(codeAt(errorsOf(heldCatalog(), [put(payload("consul", "1.0.0"), "none")]))).toEqual([
      ["INVALID_REQUEST", "/changes/0/record/decisionId"],
    ]);
    expect(codeAt(errorsOf(heldCatalog(), [accept("consul", "1.0.0", "alone")]))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/outcome"],
    ]);
  });

  it("MRS-S9 the decision names the module and version its put holds", () => {
    const changes = [accept("consol", "1.0.1", "m1"), put(payload("consul", "1.0.0"), "m1")];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/module"],
      ["INVALID_REQUEST", "/changes/0/decision/version"],
    ]);
  });

  it("MRS-S9 a rejected decision cannot vouch for a put", () => {
    const rejected = decided(heldCatalog(), [payload("vault", "1.0.0")]);
    const id = (rejected[0] as { decision: Decision }).decision.id;
    expect(codeAt(errorsOf(heldCatalog(), [...rejected, put(payload("consul", "1.0.0"), id)]))).toEqual([
      ["INVALID_REQUEST", "/changes/1/record/decisionId"],
    ]);
  });

  it("MRS-S9 one decision cannot vouch for two puts", () => {
    const changes = [
      accept("consul", "1.0.0", "k1"),
      put(payload("consul", "1.0.0"), "k1"),
      put(payload("consul", "1.1.0"), "k1"),
    ];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([["INVALID_REQUEST", "/changes/2/record/decisionId"]]);
  });

  it("a put refused for its payload does not also blame its decision", () => {
    const changes = [accept("nomad", "0.9.0", "q1"), put(payload("nomad", "0.9.0"), "q1")];
    expect(errorsOf(heldCatalog(), changes).map((e) => e.code)).toEqual(["VERSION_SUPERSEDED"]);
  });
});

describe("verifyChanges: a module's life (L1, L3, L4, L5)", () => {
  /** nomad@1.0.0 with a lease of 60 s, vault@2.0.0 without one. */
  function leased(): CatalogData {
    const items = [{ ...checked(payload("nomad", "1.0.0")), lease: 60 }, checked(payload("vault", "2.0.0"))];
    return applyChanges(null, decideRegistrations(null, items, stamp("h"), { openSession: SESSION }).changes);
  }
  const life = (outcome: Decision["outcome"], module: string, version: string, id: string): Change =>
    accept(module, version, id, { outcome, rule: outcome === "deregistered" ? "L4" : "L3" });

  it("MRS-L1 MRS-L3 MRS-L4 what the registry commits for a lease, a sweep, a revival and a deregistration passes", () => {
    let held: CatalogData | null = null;
    const opened = decideRegistrations(null, [{ ...checked(payload("nomad", "1.0.0")), lease: 60 }], stamp("a"), {
      openSession: SESSION,
    }).changes;
    const steps: ((h: CatalogData) => Change[])[] = [
      (h) => sweepChanges(h, { expire: ["nomad"], remove: [] }, stamp("e")),
      (h) => revivalChanges(h, "nomad", "heartbeat", stamp("r")),
      (h) => sweepChanges(h, { expire: ["nomad"], remove: [] }, stamp("x")),
      (h) => sweepChanges(h, { expire: [], remove: ["nomad"] }, stamp("y")),
    ];
    expect(verifyChanges(held, opened).errors).toEqual([]);
    held = applyChanges(held, opened);
    for (const step of steps) {
      const changes = step(held);
      expect(changes.length).toBeGreaterThan(0);
      expect(verifyChanges(held, changes).errors).toEqual([]);
      held = applyChanges(held, changes);
    }
    expect(held.modules).toEqual({});
    const vault = applyChanges(held, decided(held, [payload("vault", "2.0.0")], "v"));
    const gone = deregistrationChanges(vault, "vault", "http:127.0.0.1", stamp("g"));
    expect(verifyChanges(vault, gone).errors).toEqual([]);
  });

  it("MRS-L1 a put's lease is a positive whole number of seconds: INVALID_LEASE", () => {
    for (const lease of [{ seconds: 0 }, { seconds: 1.5 }, { seconds: "60" }, 60, { seconds: 60, grace: 5 }]) {
      const [decision, putChange] = [accept("consul", "1.0.0", "i1"), put(payload("consul", "1.0.0"), "i1")];
      const record = { ...(putChange as { record: ModuleRecord }).record, lease };
      const errors = errorsOf(leased(), [decision, { type: "module.put", record }]);
      expect(codeAt(errors), JSON.stringify(lease)).toEqual([["INVALID_LEASE", "/changes/1/record/lease"]]);
      expect(errors[0]?.rule).toBe("L1");
    }
  });

  it("MRS-L3 only a module with a lease expires, only once; only an expired one is revived or removed", () => {
    const held = leased();
    const noLease = [
      life("expired", "vault", "2.0.0", "n1"),
      { type: "module.state", module: "vault", state: "expired" },
    ];
    expect(codeAt(errorsOf(held, noLease))).toEqual([["INVALID_REQUEST", "/changes/1/module"]]);
    const twice = [...sweepChanges(held, { expire: ["nomad"], remove: [] }, stamp("t"))];
    expect(codeAt(errorsOf(held, [...twice, life("expired", "nomad", "1.0.0", "t9"), twice[1]]))).toEqual([
      ["INVALID_REQUEST", "/changes/3/module"],
    ]);
    const revive = [life("revived", "nomad", "1.0.0", "r1"), { type: "module.state", module: "nomad", state: "live" }];
    expect(codeAt(errorsOf(held, revive))).toEqual([["INVALID_REQUEST", "/changes/1/module"]]);
    const remove = [life("removed", "nomad", "1.0.0", "r2"), { type: "module.removed", module: "nomad" }];
    expect(codeAt(errorsOf(held, remove))).toEqual([["INVALID_REQUEST", "/changes/1/module"]]);
  });

  it("MRS-S9 MRS-L3 a module.state or module.removed comes right after the decision that records it", () => {
    const held = leased();
    expect(codeAt(errorsOf(held, [{ type: "module.state", module: "nomad", state: "expired" }]))).toEqual([
      ["INVALID_REQUEST", "/changes/0"],
    ]);
    expect(codeAt(errorsOf(held, [{ type: "module.removed", module: "vault" }]))).toEqual([
      ["INVALID_REQUEST", "/changes/0"],
    ]);
    // A life decision whose change does not follow it.
    expect(codeAt(errorsOf(held, [life("deregistered", "vault", "2.0.0", "d1")]))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/outcome"],
    ]);
    const apart = [
      life("deregistered", "vault", "2.0.0", "d2"),
      accept("consul", "1.0.0", "d3"),
      put(payload("consul", "1.0.0"), "d3"),
      { type: "module.removed", module: "vault" },
    ];
    expect(codeAt(errorsOf(held, apart))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/outcome"],
      ["INVALID_REQUEST", "/changes/3"],
    ]);
    // The decision records the change that follows it: its kind, module and version.
    const mismatched = [life("expired", "nomad", "1.0.0", "d4"), { type: "module.removed", module: "nomad" }];
    expect(codeAt(errorsOf(held, mismatched))).toEqual([["INVALID_REQUEST", "/changes/0/decision/outcome"]]);
    const other = [life("deregistered", "nomad", "0.9.0", "d5"), { type: "module.removed", module: "vault" }];
    expect(codeAt(errorsOf(held, other))).toEqual([
      ["INVALID_REQUEST", "/changes/0/decision/module"],
      ["INVALID_REQUEST", "/changes/0/decision/version"],
    ]);
  });

  it("MRS-L3 MRS-L4 a life decision names its rule; a registration decision names none", () => {
    const wrongRule = [
      accept("vault", "2.0.0", "w1", { outcome: "deregistered", rule: "L3" }),
      { type: "module.removed", module: "vault" },
    ];
    expect(codeAt(errorsOf(leased(), wrongRule))).toEqual([["INVALID_REQUEST", "/changes/0/decision/rule"]]);
    const ruled = [accept("consul", "1.0.0", "w2", { rule: "S2" }), put(payload("consul", "1.0.0"), "w2")];
    expect(codeAt(errorsOf(leased(), ruled))).toEqual([["INVALID_REQUEST", "/changes/0/decision/rule"]]);
    const state = [life("expired", "nomad", "1.0.0", "w3"), { type: "module.state", module: "nomad", state: "gone" }];
    expect(codeAt(errorsOf(leased(), state))).toEqual([["INVALID_REQUEST", "/changes/1/state"]]);
  });

  it("MRS-L4 removing a module not held is UNKNOWN_MODULE", () => {
    const changes = [life("deregistered", "consul", "1.0.0", "u1"), { type: "module.removed", module: "consul" }];
    expect(codeAt(errorsOf(heldCatalog(), changes))).toEqual([["UNKNOWN_MODULE", "/changes/1/module"]]);
  });

  it("MRS-L5 a name removed may come back with any version: a new registration (S2)", () => {
    const changes = [
      life("deregistered", "nomad", "1.0.0", "l4"),
      { type: "module.removed", module: "nomad" },
      accept("nomad", "0.1.0", "l5"),
      put(payload("nomad", "0.1.0"), "l5"),
    ];
    expect(errorsOf(heldCatalog(), changes)).toEqual([]);
  });
});
