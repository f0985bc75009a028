// Door 3, over HTTP: the corpus as POST /v1/registrations on a real server (createMrsServer on
// 127.0.0.1, port 0, memory store, bearer tokens); the server must answer every case with the
// corpus's status and code, change nothing on a rejection, and keep serving.
import { memoryStore } from "@rune/mrs-adapter-memory";
import { checkRegistration, createRegistry, type Registry } from "@rune/mrs-core";
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
import {
  ALL,
  call,
  LIMITED,
  LIMITED_NAME,
  notRefusedEarly,
  type RunningServer,
  serve,
  streamUpload,
  validPayload,
} from "./http.js";

const corpus = loadCorpus();
const held = corpus.filter((c) => c.size <= STREAM_ABOVE);
const streamed = corpus.filter((c) => c.size > STREAM_ABOVE);

let registry: Registry;
let api: RunningServer;
let registrations: string;
let alive = 0;

beforeAll(async () => {
  registry = createRegistry({ store: memoryStore() });
  await registry.start();
  api = await serve(registry);
  registrations = `${api.url}/v1/registrations`;
});
afterAll(async () => {
  await api.close();
  await registry.close();
});

/** The server still answers, and still registers a valid module. */
async function stillServing(): Promise<void> {
  expect((await call(`${api.url}/healthz`)).status).toBe(200);
  const fresh = await call(registrations, { token: ALL, body: validPayload(`alive-${++alive}`) });
  expect(fresh.status, fresh.text).toBe(201);
}

const catalog = async () => (await call(`${api.url}/v1/modules`)).text;
const decisionCount = async () => (await call(`${api.url}/v1/decisions`)).body.decisions.length as number;

describe("door 3, POST /v1/registrations on createMrsServer", { timeout: 60_000 }, () => {
  it.each(held.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s: the corpus's status and code; the server keeps serving",
    async (_rule, _n, c) => {
      const prototypes = prototypeFingerprint();
      const bytes = bodyBytes(c);
      const before = { catalog: await catalog(), decisions: await decisionCount() };
      const answer = await call(registrations, { token: ALL, body: bytes });

      expect(answer.status, answer.text.slice(0, 500)).toBe(c.status);
      expect(answer.body, "always a JSON body").not.toBeNull();
      if (c.expect === "accepted") {
        expect(answer.body.outcome).toBe("accepted");
        const name = acceptedName(c);
        const module = await call(`${api.url}/v1/modules/${encodeURIComponent(name)}`);
        // MRS-E2 MRS-E12: what comes back is what was sent, __proto__ keys and x- members included.
        const sent = JSON.parse(bytes.toString("utf8"));
        expect(module.status).toBe(200);
        expect(JSON.stringify(module.body.capabilities)).toBe(JSON.stringify(sent.capabilities));
        expect(JSON.stringify(module.body.registration_metadata ?? pick(module.body))).toBe(
          JSON.stringify(sent.registration_metadata),
        );
        await checkInput(c, name, sent.capabilities[0].action);
      } else {
        expect(mismatch(c, answer.body.errors), c.why).toBeUndefined();
        // The same faults, in the same order, as the core gives in process (door 1).
        expect(signature(answer.body.errors)).toEqual(signature(checkRegistration({ text: bytes }).errors));
        expect(await catalog(), "a rejection changes no module").toBe(before.catalog);
        // A 413 is refused by the transport before the registry sees it; anything else is a decision (S9).
        expect(await decisionCount()).toBe(before.decisions + (c.status === 413 ? 0 : 1));
      }
      expect(prototypeFingerprint(), "MRS-E12 no prototype changed").toBe(prototypes);
      await stillServing();
    },
  );

  it.each(streamed.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s streamed with a Content-Length: refused (413, or a reset) before the body is read, nothing recorded",
    async (_rule, _n, c) => {
      const before = await decisionCount();
      const answer = await streamUpload(registrations, bodyChunks(c), { token: ALL, declared: c.size });
      // The refusal came while most of the body was still unsent: the server did not wait for it.
      expect(notRefusedEarly(answer, 413, "PAYLOAD_TOO_LARGE", c.size)).toBeUndefined();
      expect(await decisionCount()).toBe(before);
      await stillServing();
    },
  );

  it.each(streamed.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s streamed chunked, with no length declared: refused once 1 MiB has passed, not after 100",
    async (_rule, _n, c) => {
      const answer = await streamUpload(registrations, bodyChunks(c), { token: ALL });
      expect(notRefusedEarly(answer, 413, "PAYLOAD_TOO_LARGE", c.size)).toBeUndefined();
      await stillServing();
    },
  );

  it("MRS-A1 MRS-E11 a 100 MiB body without a token: 401 at once, and the body is not read", async () => {
    const huge = streamed[0] as HostileCase;
    const answer = await streamUpload(registrations, bodyChunks(huge), { declared: huge.size });
    expect(notRefusedEarly(answer, 401, "UNAUTHORIZED", huge.size)).toBeUndefined();
    await stillServing();
  });
});

describe("door 3, the envelope of the request itself", { timeout: 60_000 }, () => {
  it.each([
    ["text/plain", 415],
    ["application/x-www-form-urlencoded", 415],
    ["multipart/form-data; boundary=x", 415],
    ["application/jsonx", 415],
    ["text/json", 415],
    ["application/json; charset=utf-8", 201],
  ])("MRS-E1 a valid payload sent as %s: %i", async (contentType, status) => {
    const name = `media-${status}-${contentType.replace(/[^a-z]+/g, "-").replace(/-$/, "")}`;
    const answer = await call(registrations, { token: ALL, body: validPayload(name), contentType });
    expect(answer.status, answer.text).toBe(status);
    if (status === 415) expect(answer.body.errors[0]).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", rule: "E1" });
    await stillServing();
  });

  it("MRS-E1 no Content-Type at all: 415, the payload is not guessed", async () => {
    const answer = await call(registrations, { token: ALL, body: validPayload("media-none"), contentType: null });
    expect(answer.status).toBe(415);
    expect(registry.module("media-none")).toBeUndefined();
  });

  it("MRS-A2 MRS-E12 a limited token cannot smuggle another name in a duplicate key: the name judged is the one stored", async () => {
    const smuggled = validPayload(LIMITED_NAME).replace(
      `"module_name":"${LIMITED_NAME}"`,
      `"module_name":"${LIMITED_NAME}","module_name":"hostile-smuggled"`,
    );
    const answer = await call(registrations, { token: LIMITED, body: smuggled });
    expect(answer.status).toBe(403);
    expect(answer.body.errors[0]).toMatchObject({ code: "FORBIDDEN_MODULE", rule: "A2" });
    expect(registry.module("hostile-smuggled")).toBeUndefined();
    // The other order names the granted module last: that is the name registered.
    const honest = validPayload(LIMITED_NAME).replace(
      `"module_name":"${LIMITED_NAME}"`,
      `"module_name":"hostile-smuggled","module_name":"${LIMITED_NAME}"`,
    );
    expect((await call(registrations, { token: LIMITED, body: honest })).status).toBe(201);
    expect(registry.module("hostile-smuggled")).toBeUndefined();
  });

  it("MRS-A2 MRS-E12 a limited token cannot pass a name through __proto__", async () => {
    const text = `{"registration_metadata":{"__proto__":{"module_name":"${LIMITED_NAME}"},"module_version":"1.0.0","registered_at":"2025-12-01T00:00:00Z"},"capabilities":[]}`;
    const answer = await call(registrations, { token: LIMITED, body: text });
    // No own name: nothing to grant, so the payload's own faults are what the client learns (422).
    expect(answer.status).toBe(422);
    expect(signature(answer.body.errors)).toContain("INVALID_MODULE_NAME@/registration_metadata/module_name");
    expect(({} as Record<string, unknown>).module_name).toBeUndefined();
  });

  it("MRS-E12 prototype names in routes and queries are ordinary names: 404s, never a crash", async () => {
    for (const path of [
      "/v1/modules/__proto__",
      "/v1/modules/toString",
      "/v1/modules/hasOwnProperty",
      "/v1/capabilities/__proto__",
      "/v1/capabilities/valueOf",
      "/v1/capabilities/constructor%2Fprototype",
    ]) {
      const answer = await call(`${api.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.body.errors[0].code, path).toMatch(/^UNKNOWN_(MODULE|ACTION)$/);
    }
    const decisions = await call(`${api.url}/v1/decisions?module=__proto__`);
    expect(decisions.status).toBe(200);
    expect(decisions.body.decisions).toEqual([]);
    const validate = await call(`${api.url}/v1/capabilities/toString/validate`, { body: '{"input":{}}' });
    expect(validate.status).toBe(404);
    await stillServing();
  });
});

/** The registration_metadata view of a module answer (its fields are at the top level). */
function pick(body: Record<string, unknown>): Record<string, unknown> {
  const { module_name, module_version, registered_at, ...rest } = body;
  const extensions = Object.fromEntries(Object.entries(rest).filter(([k]) => k.startsWith("x-")));
  return { module_name, module_version, registered_at, ...extensions };
}

/** MRS-I1 through the validate route: the corpus's verdict on its input, answered, never hung. */
async function checkInput(c: HostileCase, module: string, action: string): Promise<void> {
  const input = inputOf(c);
  if (!input.present) return;
  const answer = await call(`${api.url}/v1/capabilities/${module}%2F${action}/validate`, {
    body: `{"input":${input.text}}`,
  });
  expect(answer.status, answer.text).toBe(200);
  if (c.inputExpect === "valid") expect(answer.body).toEqual({ valid: true });
  else expect(answer.body.errors.map((e: { code: string }) => e.code)).toContain("INPUT_INVALID");
}
