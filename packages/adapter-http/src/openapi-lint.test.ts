import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, REDOCLY_OFFLINE, type Workspace, workspace } from "./openapi-test-support.js";
import { call, startApi } from "./test-support.js";

/** One problem of `redocly lint --format=json`. */
interface Problem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer: string }[];
}

/** Serves the API with `read`, writes the document it serves, lints it with Redocly CLI's recommended ruleset. */
async function lintServed(tmp: Workspace, read: "open" | "token") {
  const api = await startApi({ read });
  let file: string;
  try {
    const served = await call(`${api.url}/openapi.json`);
    expect(served.status).toBe(200);
    file = tmp.write(`openapi-${read}.json`, served.text);
  } finally {
    await api.close();
  }
  // The folder holds no redocly.yaml: the built-in recommended ruleset, nothing from the repo.
  const run = await tmp.run(bin("redocly"), ["lint", "--extends=recommended", "--format=json", file], REDOCLY_OFFLINE);
  return { run, report: JSON.parse(run.stdout) as { totals: Record<string, number>; problems: Problem[] } };
}

/** A problem as one readable line, so that a failure says what to fix. */
const line = (p: Problem) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;

describe("GET /openapi.json under redocly lint (recommended ruleset)", () => {
  let tmp: Workspace;
  beforeAll(() => {
    tmp = workspace("mrs-openapi-lint");
  });
  afterAll(() => tmp.remove());

  it.each(["open", "token"] as const)("with read: %s, has no error and no warning", async (read) => {
    const { run, report } = await lintServed(tmp, read);
    expect(report.problems.map(line)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    expect(run.code).toBe(0);
    // Redocly CLI sends usage data unless told not to: nothing left the machine.
    expect(run.network).toEqual([]);
  });

  it("the lint is offline because of its environment: without it, Redocly CLI would send usage data", async () => {
    const file = tmp.write("minimal.json", JSON.stringify(MINIMAL));
    const offline = await tmp.run(
      bin("redocly"),
      ["lint", "--extends=recommended", "--format=json", file],
      REDOCLY_OFFLINE,
    );
    expect(offline.network).toEqual([]);
    // The guard refuses the connection before any lookup: nothing is sent, it is only written down.
    const told = await tmp.run(bin("redocly"), ["lint", "--extends=recommended", "--format=json", file], {
      REDOCLY_TELEMETRY: "on",
      REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
    });
    expect(told.network.length).toBeGreaterThan(0);
    // And the guard is what a lint of a lint-clean document meets: it passes through it.
    expect(JSON.parse(offline.stdout).totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });
});

/** The smallest document the recommended ruleset passes. */
const MINIMAL = {
  openapi: "3.1.0",
  info: { title: "minimal", version: "1.0.0", license: { name: "MPL-2.0", identifier: "MPL-2.0" } },
  servers: [{ url: "/" }],
  security: [],
  paths: {
    "/ping": {
      get: {
        operationId: "ping",
        summary: "ping",
        responses: { "200": { description: "pong" }, "4XX": { description: "refused" } },
      },
    },
  },
};
