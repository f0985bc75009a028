// The baseline of case 4: bare fastify routes on the same paths, doing the least the real ones
// must do. GET returns the very bytes the MRS server answered for the capability (argv[2]);
// POST reads the body as bytes and parses it with JSON.parse, as the MRS API does, then answers
// a body of the same shape as a registration's. Prints `listening PORT`; SIGTERM stops it.
import { readFileSync } from "node:fs";
import Fastify from "fastify";

const file = process.argv[2];
if (!file) throw new Error("usage: bare-server.mjs CAPABILITY_BODY_FILE");
const body = readFileSync(file);
const value = JSON.parse(body.toString("utf8"));

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, raw, done) => done(null, raw));
const utf8 = new TextDecoder("utf-8", { fatal: true });

app.get("/v1/capabilities/:action", (_request, reply) => {
  reply.type("application/json; charset=utf-8").send(body);
});
// The same object serialised on every request (fastify's JSON.stringify), as the MRS route must.
app.get("/stringified/:action", () => value);

// The process's CPU time so far (see mrs-server.mjs).
app.get("/bench/cpu", async () => process.cpuUsage());

let decisions = 0;
app.post("/v1/registrations", (request, reply) => {
  const payload = JSON.parse(utf8.decode(/** @type {Buffer} */ (request.body)));
  const meta = payload.registration_metadata;
  decisions += 1;
  reply.code(201).send({
    outcome: "accepted",
    module: meta.module_name,
    version: meta.module_version,
    sessionId: "00000000-0000-4000-8000-000000000000",
    decisionId: `00000000-0000-4000-8000-${String(decisions).padStart(12, "0")}`,
    warnings: [],
  });
});

await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
process.once("SIGTERM", async () => {
  await app.close();
  process.exit(0);
});
