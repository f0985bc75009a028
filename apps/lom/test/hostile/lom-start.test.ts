// Door 3 through the real app: a few corpus cases against `lom start` (dist/cli.js, memory
// store, one token), the way a hostile client on loopback would meet it. The in-process server
// (http.test.ts) takes the whole corpus; this checks that the app composes the same limits.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, lom, type RunningLom, startLom, tempDir, writeConfig } from "../harness.js";
import { acceptedName, bodyBytes, bodyChunks, type HostileCase, inputOf, loadCorpus, mismatch } from "./corpus.js";
import { ALL, call, notRefusedEarly, streamUpload, validPayload } from "./http.js";

const corpus = new Map(loadCorpus().map((c) => [c.name, c]));
const pick = (name: string) => corpus.get(name) as HostileCase;
const CHOSEN = [
  "e1-not-json",
  "e1-truncated-object",
  "e1-not-utf8",
  "e11-body-2mib",
  "e11-nest-extension-10000",
  "e11-nest-schema-properties-10000",
  "e11-pattern-nested-plus",
  "e11-pattern-backreference",
  "e11-patternproperties-nested-star",
  "e10-ref-file",
  "e10-ref-relative-parent",
  "e12-proto-root",
  "e3-homoglyph-cyrillic-a",
  "e5-leap-second-december",
  "e4-major-beyond-2-53",
  "e9-ref-cycle-pure",
  "e12-proto-in-extensions",
].map(pick);

const dir = tempDir("lom-hostile-start-");
let running: RunningLom;

beforeAll(async () => {
  const port = await freePort();
  writeConfig(dir, {
    listen: `127.0.0.1:${port}`,
    store: "memory",
    sources: [],
    tokens: [{ token: ALL, modules: ["*"] }],
  });
  running = await startLom(["--config", "lom.config.json"], dir, port);
}, 60_000);
afterAll(async () => {
  await running?.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("door 3 through lom start", { timeout: 60_000 }, () => {
  it.each(CHOSEN.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s: the corpus's status and code from the real app",
    async (_rule, _n, c) => {
      const answer = await call(`${running.url}/v1/registrations`, { token: ALL, body: bodyBytes(c) });
      expect(answer.status, answer.text.slice(0, 300)).toBe(c.status);
      if (c.expect === "accepted") {
        const input = inputOf(c);
        if (input.present) {
          const name = acceptedName(c);
          const check = await call(`${running.url}/v1/capabilities/${name}%2Frun/validate`, {
            body: `{"input":${input.text}}`,
          });
          expect(check.status).toBe(200);
          expect(check.body.valid).toBe(c.inputExpect === "valid");
        }
      } else {
        expect(mismatch(c, answer.body.errors), c.why).toBeUndefined();
      }
      expect((await call(`${running.url}/healthz`)).status).toBe(200);
    },
  );

  it("MRS-E11 100 MiB streamed at the real app: refused (413, or a reset) long before the body is sent", async () => {
    const huge = [...corpus.values()].find((c) => c.size === 100 * 1024 * 1024) as HostileCase;
    const answer = await streamUpload(`${running.url}/v1/registrations`, bodyChunks(huge), {
      token: ALL,
      declared: huge.size,
    });
    expect(notRefusedEarly(answer, 413, "PAYLOAD_TOO_LARGE", huge.size)).toBeUndefined();
    expect((await call(`${running.url}/healthz`)).status).toBe(200);
  });

  it("MRS-S9 afterwards the app still registers, and lom why names each rejection with its rule", async () => {
    const fresh = await call(`${running.url}/v1/registrations`, { token: ALL, body: validPayload("after-hostile") });
    expect(fresh.status).toBe(201);
    const why = lom(["why", "hostile-e11-pattern-backreference", "--url", running.url, "--json"], dir);
    expect(why.code, why.stderr).toBe(0);
    const { decisions } = JSON.parse(why.stdout) as {
      decisions: { outcome: string; errors: { code: string; rule: string }[] }[];
    };
    expect(decisions).toMatchObject([{ outcome: "rejected", errors: [{ code: "UNSAFE_PATTERN", rule: "E11" }] }]);
    expect(running.child.exitCode).toBeNull();
  });

  it("MRS-S11 SIGTERM after the barrage still shuts down cleanly", async () => {
    expect(await running.stop("SIGTERM")).toBe(0);
  });
});
