import { preset } from "../../tooling/tsup.preset";

export default preset();
