import { createRegistry, type RegisterResult } from "@rune/mrs-core";
import { sampleChanges, samplePayload } from "@rune/mrs-testkit";
import { afterAll, describe, expect, it } from "vitest";
import { cuttingProxy } from "../test/cutting-proxy.js";
import { admin, cleanUp, freshSchema, serverUrl, storeOn, terminate, uniqueName, waitFor } from "../test/support.js";
import { postgresStore } from "./index.js";

afterAll(cleanUp);

const codesOf = (result: RegisterResult) => (result.ok ? [] : result.errors.map((e) => e.code));
const namesIn = async (schema: string) => {
  const reader = storeOn({ schema, watch: false });
  const names = Object.keys((await reader.load())?.data.modules ?? {}).sort();
  await reader.close?.();
  return names;
};

describe("MRS-S11 losing the database connection", () => {
  it("killed while a commit waits inside its UPDATE: the registration fails, nothing is written, the next one works", async () => {
    const app = uniqueName("mrs_kill");
    const store = storeOn({ applicationName: app });
    const registry = createRegistry({ store });
    await registry.start();
    expect((await registry.register({ payload: samplePayload("before") }, "t")).ok).toBe(true);

    // An admin transaction holds the state row, so the store's next commit waits in its
    // UPDATE: the kill lands mid-statement, every time.
    const holder = await admin().connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT revision FROM "${store.schema}".state WHERE id = 1 FOR UPDATE`);
      const pending = registry.register({ payload: samplePayload("cut") }, "t");
      const waiting = async () => {
        const { rows } = await admin().query<{ count: number }>(
          "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [app],
        );
        return rows[0]?.count === 1;
      };
      await waitFor("the commit waits for the row lock", waiting);
      expect(await terminate(app, "wait_event_type = 'Lock'")).toBe(1);
      const failed = await pending;
      expect(codesOf(failed)).toEqual(["STORE_UNAVAILABLE"]);
      expect(failed.ok ? "" : failed.errors[0]?.message).toContain("stored whole or not at all");
      expect(registry.ready).toBe(false);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }

    expect(await namesIn(store.schema)).toEqual(["before"]);
    const again = await registry.register({ payload: samplePayload("cut") }, "t");
    expect(again.ok && again.outcome).toBe("accepted");
    expect(registry.ready).toBe(true);
    expect(await namesIn(store.schema)).toEqual(["before", "cut"]);
    await registry.close();
  });

  it("the answer to a commit that went through is lost: STORE_UNAVAILABLE says it may be stored, and a retry is an identical duplicate", async () => {
    const proxy = await cuttingProxy(serverUrl());
    const schema = freshSchema();
    const store = postgresStore({ connectionString: proxy.url, schema, watch: false });
    const registry = createRegistry({ store });
    await registry.start();
    const cut = proxy.cutAnswerTo(`UPDATE "${schema}".state`);
    const lost = await registry.register({ payload: samplePayload("ghost") }, "t");
    await cut;
    expect(codesOf(lost)).toEqual(["STORE_UNAVAILABLE"]);
    const error = lost.ok ? undefined : lost.errors[0];
    expect(error?.message).toContain("stored whole or not at all");
    expect(error?.hint).toContain("identical: true");
    // It did commit: the database holds it, whole.
    expect(await namesIn(schema)).toEqual(["ghost"]);
    // The client's retry (the registry rereads on the conflict) learns that its first try went through.
    const retry = await registry.register({ payload: samplePayload("ghost") }, "t");
    expect(retry.ok ? null : retry.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", identical: true });
    await registry.close();
    await proxy.close();
  });

  it("connections killed again and again while registrations run: nothing acknowledged is lost, and the store recovers", async () => {
    const app = uniqueName("mrs_chaos");
    const schema = freshSchema();
    const store = storeOn({ schema, applicationName: app });
    // A catalog of some size, as a LOM would have (a commit's cost no longer depends on it).
    await store.commit(0, sampleChanges(300));
    const registry = createRegistry({ store });
    await registry.start();

    let running = true;
    let killed = 0;
    const killer = (async () => {
      while (running) {
        killed += await terminate(app);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25));
      }
    })();
    const names = Array.from({ length: 60 }, (_, i) => `chaos-${i}`);
    const results = new Map<string, RegisterResult>();
    // Four clients, fifteen registrations each, one after another.
    await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        for (const name of names.filter((_, i) => i % 4 === client)) {
          results.set(name, await registry.register({ payload: samplePayload(name) }, `client-${client}`));
        }
      }),
    );
    running = false;
    await killer;

    const acknowledged = names.filter((name) => results.get(name)?.ok);
    const failed = names.filter((name) => !results.get(name)?.ok);
    for (const name of failed) expect(codesOf(results.get(name) as RegisterResult)).toEqual(["STORE_UNAVAILABLE"]);
    expect(killed).toBeGreaterThan(0);
    const stored = await namesIn(schema);
    for (const name of acknowledged) expect(stored).toContain(name);

    // The store works again: each failed registration, retried, is stored now or was already.
    let storedDespiteFailure = 0;
    for (const name of failed) {
      const retry = await registry.register({ payload: samplePayload(name) }, "retry");
      if (!retry.ok) {
        expect(retry.errors[0]).toMatchObject({ code: "DUPLICATE_REGISTRATION", identical: true });
        storedDespiteFailure += 1;
      }
    }
    const after = await namesIn(schema);
    for (const name of names) expect(after).toContain(name);
    expect(after).toHaveLength(360);
    console.info(
      `connection kills: ${killed} connections killed, ${failed.length} of ${names.length} registrations failed, ${storedDespiteFailure} of them stored all the same (the retry said identical), none acknowledged lost`,
    );
    await registry.close();
  });
});
