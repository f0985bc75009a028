import type { Decision } from "@rune/mrs-core";
import { samplePayload } from "@rune/mrs-testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mrsClient } from "./client.js";
import { MAX_DECISIONS_PAGE } from "./options.js";
import { ALL, call, codes, startApi, type TestApi } from "./test-support.js";

// 12 decisions: alpha@1.0.0 .. alpha@1.5.0 (one accepted, five upgraded) between six about beta.
async function seed(api: TestApi) {
  for (let i = 0; i < 6; i++) {
    await api.registry.register({ payload: samplePayload("alpha", `1.${i}.0`) }, "test");
    await api.registry.register({ payload: samplePayload("beta", "1.0.0") }, "test");
  }
}

const ids = (decisions: readonly { id: string }[]) => decisions.map((d) => d.id);

describe("GET /v1/decisions: pages with limit, before and next", () => {
  let api: TestApi;
  let all: readonly Decision[];
  beforeAll(async () => {
    api = await startApi();
    await seed(api);
    all = api.registry.decisions();
    expect(all).toHaveLength(12);
  });
  afterAll(() => api.close());

  it("MRS-S9 without a page asked for: every decision, oldest first, and no next", async () => {
    const r = await call(`${api.url}/v1/decisions`);
    expect(r.status).toBe(200);
    expect(ids(r.body.decisions)).toEqual(ids(all));
    expect(r.body).not.toHaveProperty("next");
  });

  it("MRS-S9 ?limit=N: the newest N, oldest first, with next: the id of the oldest, to pass as before", async () => {
    const r = await call(`${api.url}/v1/decisions?limit=5`);
    expect(ids(r.body.decisions)).toEqual(ids(all.slice(7)));
    expect(r.body.next).toBe(all[7]?.id);
  });

  it("MRS-S9 following next page by page reads every decision once, back to the first, where next stops", async () => {
    const pages: string[][] = [];
    let before: string | undefined;
    do {
      const r = await call(`${api.url}/v1/decisions?limit=5${before === undefined ? "" : `&before=${before}`}`);
      expect(r.status).toBe(200);
      pages.push(ids(r.body.decisions));
      before = r.body.next;
    } while (before !== undefined);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.reverse().flat()).toEqual(ids(all));
  });

  it("MRS-S9 ?module= with paging: only that module's decisions, paged the same way", async () => {
    const alpha = all.filter((d) => d.module === "alpha");
    const first = await call(`${api.url}/v1/decisions?module=alpha&limit=4`);
    expect(first.body.decisions.map((d: Decision) => d.version)).toEqual(["1.2.0", "1.3.0", "1.4.0", "1.5.0"]);
    expect(first.body.next).toBe(alpha[2]?.id);
    const second = await call(`${api.url}/v1/decisions?module=alpha&limit=4&before=${first.body.next}`);
    expect(ids(second.body.decisions)).toEqual(ids(alpha.slice(0, 2)));
    expect(second.body).not.toHaveProperty("next");
    expect(second.body.decisions.map((d: Decision) => d.outcome)).toEqual(["accepted", "upgraded"]);
  });

  it("a before the session does not hold answers an empty page", async () => {
    const r = await call(`${api.url}/v1/decisions?before=no-such-decision`);
    expect(r.body).toEqual({ decisions: [] });
  });

  it("a limit that is not a positive number: 400 INVALID_REQUEST", async () => {
    for (const query of ["limit=0", "limit=-3", "limit=ten", "limit="]) {
      const r = await call(`${api.url}/v1/decisions?${query}`);
      expect(r.status, query).toBe(400);
      expect(codes(r.body), query).toEqual(["INVALID_REQUEST"]);
    }
  });

  it("through the client: decisions with the same options, and decisionPage with next", async () => {
    const lom = mrsClient({ url: api.url });
    const page = await lom.decisionPage({ module: "beta", limit: 2 });
    expect(page.ok && page.value.decisions.map((d) => d.outcome)).toEqual(["rejected", "rejected"]);
    const next = page.ok ? page.value.next : undefined;
    expect(next).toBe(all.filter((d) => d.module === "beta")[4]?.id);
    const back = await lom.decisions({ module: "beta", limit: 10, before: next as string });
    expect(back.ok && back.value.map((d) => d.outcome)).toEqual(["accepted", "rejected", "rejected", "rejected"]);
    const last = await lom.decisionPage({ limit: 12 });
    expect(last.ok && last.value).toEqual({ decisions: all });
    const byName = await lom.decisions("alpha");
    expect(byName.ok && byName.value).toHaveLength(6);
  });
});

describe("GET /v1/decisions: at most 1,000 a page", () => {
  it("MRS-S9 the default page and the largest are 1,000 decisions; next leads to the rest", async () => {
    const api = await startApi();
    try {
      const count = MAX_DECISIONS_PAGE + 5;
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          api.registry.register({ text: `{"not": "a payload", "n": ${i}}` }, "flood"),
        ),
      );
      expect(api.registry.decisions()).toHaveLength(count);
      const first = await call(`${api.url}/v1/decisions`);
      expect(first.body.decisions).toHaveLength(MAX_DECISIONS_PAGE);
      const larger = await call(`${api.url}/v1/decisions?limit=5000`);
      expect(larger.body.decisions).toHaveLength(MAX_DECISIONS_PAGE);
      expect(larger.body.next).toBe(first.body.next);
      const rest = await mrsClient({ url: api.url, token: ALL }).decisionPage({ before: first.body.next });
      expect(rest.ok && rest.value.decisions).toHaveLength(5);
      expect(rest.ok && rest.value.next).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
