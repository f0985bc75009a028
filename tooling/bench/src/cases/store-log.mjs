// Case 7: writes cost what they change (RULES.md R1). A registration over HTTP on the file store
// with 10,000 modules held against the same with 100 held; the group commit of 200 registrations
// sent at once (commits and fsyncs counted by the store); and resuming a file store of 100,000
// modules against reading and parsing the same data.
import { randomBytes } from "node:crypto";
import { promises as fs, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore } from "@rune/mrs-adapter-file";
import { applyChanges, createRegistry } from "@rune/mrs-core";
import { acceptedChanges, examples } from "../fixtures.mjs";
import { duration, interleave } from "../harness.mjs";
import { cpuSeries, load, rateSeries, startServer } from "../servers.mjs";

/**
 * @param {{ rounds: number, seconds: number, modules: number, resumeModules: number, log: (line: string) => void }} options
 * @returns {Promise<import("../report.mjs").Section>}
 */
export async function storeLogCase({ rounds, seconds, modules, resumeModules, log }) {
  const token = randomBytes(24).toString("hex");
  const root = mkdtempSync(join(tmpdir(), "mrs-bench-log-"));
  /** @type {import("../report.mjs").Row[]} */
  const rows = [];
  /** @type {string[]} */
  const notes = [];
  const template = /** @type {{ value: any }} */ (examples()[0]).value;
  let registered = 0;
  const registration = () =>
    JSON.stringify({
      ...template,
      registration_metadata: { ...template.registration_metadata, module_name: `new-${(registered++).toString(36)}` },
    });
  const post = (/** @type {string} */ server) =>
    load(server, {
      path: "/v1/registrations",
      duration: seconds,
      requests: [
        {
          method: "POST",
          path: "/v1/registrations",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          setupRequest: (request) => ({ ...request, body: registration() }),
        },
      ],
    });
  try {
    // 1. Registration cost against the size of the catalog held, on the file store.
    /** @type {{ rate: number, cpuMs: number }[][]} */
    const measured = [[], []];
    const sizes = [100, modules];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const side of order) {
        const held = /** @type {number} */ (sizes[side]);
        const server = await startServer("mrs-server.mjs", [], {
          BENCH_TOKEN: token,
          BENCH_STORE: `file:${join(root, `r${round}-${held}`, "catalog.json")}`,
          BENCH_PRELOAD: String(held),
        });
        try {
          await post(server.url); // warm-up, unrecorded
          /** @type {{ rate: number, cpuMs: number }[]} */ (measured[side]).push(await post(server.url));
        } finally {
          await server.stop();
        }
      }
      log(`  registrations: round ${round + 1} of ${rounds}`);
    }
    const [small, large] = measured;
    rows.push(
      {
        name: `POST /v1/registrations on the file store: server CPU per registration, ${modules.toLocaleString("en")} modules held vs 100`,
        subject: cpuSeries(`${modules} held`, large),
        baseline: cpuSeries("100 held", small),
        target: { op: "<=", value: 1.3 },
      },
      {
        name: `POST /v1/registrations on the file store: registrations per second, ${modules.toLocaleString("en")} held vs 100`,
        subject: rateSeries(`${modules} held`, large),
        baseline: rateSeries("100 held", small),
        note: "10 connections; registrations that arrive during a commit share the next one (group commit)",
      },
    );

    // 2. Group commit: 200 registrations sent at once, each acknowledged only once durable.
    const server = await startServer("mrs-server.mjs", [], {
      BENCH_TOKEN: token,
      BENCH_STORE: `file:${join(root, "group", "catalog.json")}`,
    });
    try {
      const before = await (await fetch(`${server.url}/bench/store`)).json();
      const answers = await Promise.all(
        Array.from({ length: 200 }, () =>
          fetch(`${server.url}/v1/registrations`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: registration(),
          }).then((r) => r.status),
        ),
      );
      const after = await (await fetch(`${server.url}/bench/store`)).json();
      const accepted = answers.filter((status) => status === 201).length;
      notes.push(
        `Group commit: 200 registrations sent at once over HTTP to a file store: ${accepted} answered 201, after ${after.commits - before.commits} commits and ${after.fsyncs - before.fsyncs} fsyncs (target: at most 20 fsyncs).`,
      );
      log(`  group commit: ${after.fsyncs - before.fsyncs} fsyncs for 200 registrations`);
    } finally {
      await server.stop();
    }

    // 3. Resuming a large catalog: load to ready, against reading and parsing the same state.
    const path = join(root, "resume", "catalog.json");
    const writer = fileStore({ path, watch: false });
    let revision = 0;
    const batch = 5_000;
    for (let from = 0; from < resumeModules; from += batch) {
      const result = await writer.commit(revision, acceptedChanges(Math.min(batch, resumeModules - from), from));
      if (!result.ok) throw new Error("the bench's commit lost a race it cannot have");
      revision = result.revision;
    }
    await writer.close?.();
    const plain = join(root, "resume", "state.json");
    await fs.writeFile(plain, JSON.stringify(applyChanges(null, acceptedChanges(resumeModules))));
    const onDisk = async () => {
      let bytes = 0;
      for (const name of await fs.readdir(join(root, "resume"))) {
        if (name !== "state.json") bytes += (await fs.stat(join(root, "resume", name))).size;
      }
      return bytes;
    };
    const [resumed, parsed] = await interleave(
      [
        duration("resume", async () => {
          const registry = createRegistry({ store: fileStore({ path, watch: false }) });
          await registry.start();
          const held = registry.modules().length;
          await registry.close();
          return held;
        }),
        duration("read + parse", async () => JSON.parse(await fs.readFile(plain, "utf8"))),
      ],
      { rounds },
    );
    rows.push({
      name: `resume a file store of ${resumeModules.toLocaleString("en")} modules (load to ready) vs readFile + JSON.parse of the same state`,
      subject: { label: "resume", unit: "ms", values: /** @type {number[]} */ (resumed) },
      baseline: { label: "read + parse", unit: "ms", values: /** @type {number[]} */ (parsed) },
      target: { op: "<=", value: 2 },
    });
    notes.push(
      `The resumed store: ${((await onDisk()) / 2 ** 20).toFixed(1)} MiB on disk (snapshot and journal, as ${resumeModules / batch} commits of ${batch.toLocaleString("en")} modules left them); the parsed state alone: ${((await fs.stat(plain)).size / 2 ** 20).toFixed(1)} MiB.`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  notes.push(
    `Files are written under ${tmpdir()} (the same disk as the repository here); fsync costs depend on the disk.`,
  );
  return {
    id: "7",
    title: "Writes cost what they change",
    about: [
      "RULES.md R1: a commit holds only what changed, so a registration's cost must not grow with the catalog.",
      "`POST /v1/registrations` under autocannon against `createMrsServer` on a file store that holds 100 or",
      `${modules.toLocaleString("en")} generated modules (5 capabilities each), each request a new module; the server's CPU`,
      "time per registration is the measure (steadier than rates on a shared machine). Then 200 registrations",
      "at once (the group commit), and resuming a large file store through `createRegistry().start()`.",
    ].join("\n"),
    rows,
    notes,
  };
}
