import { preset } from "../vitest.preset";

// The suite itself is plain .mjs run by node; only the report writer and the statistics have tests.
export default preset({ include: ["src/**/*.test.mjs"] });
