import { preset } from "../../tooling/tsup.preset";

// ESM only, like vitest, whose describe/it the suites call: vitest cannot be require()d.
export default preset({ format: ["esm"] });
