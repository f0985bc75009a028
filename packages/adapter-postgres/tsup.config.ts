import { preset } from "../../tooling/tsup.preset";

// Two entries: the library, and the `mrs-postgres-migrations` command (its shebang is kept).
export default preset({ entry: ["src/index.ts", "src/bin.ts"] });
