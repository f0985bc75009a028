import { preset } from "../../tooling/tsup.preset";

// An app, not a library: one ESM entry with a shebang, no type declarations.
export default preset({ entry: ["src/cli.ts"], format: ["esm"], dts: false, banner: { js: "#!/usr/bin/env node" } });
