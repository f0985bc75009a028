import { preset } from "../vitest.preset";

// Each test drives the built `lom` as a separate process; a loaded 2-core machine needs room.
export default preset({ testTimeout: 60_000 });
