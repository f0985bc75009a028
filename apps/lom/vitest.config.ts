import { preset } from "../../tooling/vitest.preset";

// The app's tests drive real processes (lom, Chromium, PostgreSQL): allow for a loaded machine.
export default preset({ testTimeout: 90_000 });
