import { preset } from "../vitest.preset";

// Packing and a real `npm install` of the tarballs take a while on a 2-core machine.
export default preset({ testTimeout: 240_000 });
