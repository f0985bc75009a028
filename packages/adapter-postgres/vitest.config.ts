import { mergeConfig } from "vitest/config";
import { preset } from "../../tooling/vitest.preset";

// The tests run against a real PostgreSQL: MRS_POSTGRES_URL, or a throwaway server started once.
export default mergeConfig(preset(), { test: { globalSetup: ["test/global-setup.ts"] } });
