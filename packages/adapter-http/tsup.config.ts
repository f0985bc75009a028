import { preset } from "../../tooling/tsup.preset";

// One entry per subpath export (package.json `exports`): `.` the server side, and the client
// side in entries that load no fastify.
export default preset({
  entry: {
    index: "src/index.ts",
    client: "src/entry-client.ts",
    store: "src/entry-store.ts",
    "url-source": "src/entry-url-source.ts",
  },
});
