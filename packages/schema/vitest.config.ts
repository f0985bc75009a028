import { preset } from "../../tooling/vitest.preset";

export default preset();
