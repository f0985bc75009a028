import { samplePayload } from "@rune/mrs-testkit";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL, call, startApi, type TestApi } from "./test-support.js";

// Versions chosen to exercise S4-S6: pre-releases below their release, `2.0.0-rc.1` above
// `1.9.9`, and build metadata (`1.0.1+build.7`) equal in precedence to `1.0.1` (S5).
const VERSIONS = ["0.9.9", "1.0.0", "1.0.1", "1.0.1+build.7", "1.9.9", "2.0.0-rc.1", "2.0.0-alpha", "2.0.0", "2.1.0"];
const NAMES = Array.from({ length: 12 }, (_, i) => `mod-${i}`);
const CLIENTS = 200;

/** A small seeded generator: the same overlapping workload on every run, in a shuffled order. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Sent {
  readonly name: string;
  readonly version: string;
  readonly status: number;
  readonly body: {
    decisionId: string | null;
    outcome: string;
    errors?: { code: string; identical?: boolean }[];
  };
}

describe("200 concurrent clients registering overlapping names and versions", () => {
  let api: TestApi;
  const sent: Sent[] = [];

  beforeAll(async () => {
    api = await startApi();
    const next = random(20260101);
    const work = Array.from({ length: CLIENTS }, (_, i) => {
      const name = NAMES[i % NAMES.length] as string;
      // Each name draws from a prefix of the list, so the winners differ from name to name.
      const span = 3 + ((i % NAMES.length) % (VERSIONS.length - 2));
      const version = VERSIONS[Math.floor(next() * span)] as string;
      return { name, version };
    });
    // All at once: every request is in flight before the first answer is read.
    const answers = await Promise.all(
      work.map(({ name, version }) =>
        call(`${api.url}/v1/registrations`, { token: ALL, body: samplePayload(name, version) }),
      ),
    );
    answers.forEach((answer, i) => {
      const { name, version } = work[i] as { name: string; version: string };
      sent.push({ name, version, status: answer.status, body: answer.body });
    });
  });
  afterAll(() => api.close());

  it("MRS-S3 MRS-S6 MRS-S7 the catalog ends with the highest version of each name sent", async () => {
    const highest = new Map<string, string>();
    for (const { name, version } of sent) {
      const held = highest.get(name);
      if (held === undefined || semver.compare(version, held) > 0) highest.set(name, version);
    }
    const modules = (await call(`${api.url}/v1/modules`)).body.modules as {
      module_name: string;
      module_version: string;
    }[];
    expect(modules.map((m) => m.module_name).sort()).toEqual([...highest.keys()].sort());
    for (const m of modules) {
      // Equal precedence (S5): `1.0.1` or `1.0.1+build.7`, whichever came first, but never lower.
      expect(semver.compare(m.module_version, highest.get(m.module_name) as string), m.module_name).toBe(0);
    }
  });

  it("MRS-S1 MRS-S9 every client got an answer, and the session recorded exactly one decision each", async () => {
    expect(sent).toHaveLength(CLIENTS);
    expect(sent.every((s) => [200, 201, 409].includes(s.status))).toBe(true);
    const decisions = (await call(`${api.url}/v1/decisions`)).body.decisions as { id: string }[];
    expect(decisions).toHaveLength(CLIENTS);
    expect(new Set(sent.map((s) => s.body.decisionId)).size).toBe(CLIENTS);
  });

  it("MRS-S2 MRS-S3 MRS-S4 MRS-S5 every answer is the decision recorded, and replaying the decisions in order gives each one", async () => {
    const decisions = (await call(`${api.url}/v1/decisions`)).body.decisions as {
      id: string;
      outcome: string;
      module: string;
      version: string;
      errors: { code: string; identical?: boolean }[];
    }[];
    const byId = new Map(decisions.map((d) => [d.id, d]));
    const statusOf = { accepted: 201, upgraded: 200, rejected: 409 } as const;
    for (const s of sent) {
      const decision = byId.get(s.body.decisionId as string);
      expect(decision, `${s.name}@${s.version}`).toBeDefined();
      expect(decision?.module).toBe(s.name);
      expect(decision?.version).toBe(s.version);
      expect(s.status).toBe(statusOf[decision?.outcome as keyof typeof statusOf]);
      expect(s.body.outcome).toBe(decision?.outcome);
      if (s.status === 409) expect(s.body.errors).toEqual(decision?.errors);
    }
    // The order the registry decided in, replayed against RULES.md S2-S5.
    const held = new Map<string, string>();
    for (const d of decisions) {
      const current = held.get(d.module);
      const order = current === undefined ? null : semver.compare(d.version, current);
      if (order === null) {
        expect(d.outcome).toBe("accepted");
        held.set(d.module, d.version);
      } else if (order > 0) {
        expect(d.outcome).toBe("upgraded");
        held.set(d.module, d.version);
      } else if (order < 0) {
        expect(d.errors.map((e) => e.code)).toEqual(["VERSION_SUPERSEDED"]);
      } else {
        expect(d.errors.map((e) => e.code)).toEqual(["DUPLICATE_REGISTRATION"]);
        // Identical exactly when the very same version string (so the same payload) is held.
        expect(d.errors[0]?.identical === true).toBe(d.version === current);
      }
    }
  });
});
