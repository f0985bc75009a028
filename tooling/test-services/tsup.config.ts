import { preset } from "../tsup.preset";

// Tooling for the tests, not a library: ESM only; the command keeps its shebang.
export default preset({ entry: ["src/index.ts", "src/cli.ts"], format: ["esm"] });
