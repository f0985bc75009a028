import { Settings } from "typebox/system";

/**
 * Runs `collect` with TypeBox's error buffer raised to `limit`. TypeBox stops gathering
 * errors after `maxErrors` (8 by default, a process-wide setting), which would hide most faults
 * of a payload with many (RULES.md: "a payload with several faults reports all of them"). The
 * setting is restored before returning, and nothing can run in between: the call is synchronous.
 */
export function withErrorLimit<T>(limit: number, collect: () => T): T {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: limit });
  try {
    return collect();
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/**
 * The most envelope errors gathered for one payload: far above any honest mistake, and a bound
 * on the time a payload made of thousands of faults can cost.
 */
export const MAX_ENVELOPE_ERRORS = 1000;

/** The most meta-schema faults gathered for one capability schema (the meta-schema is slow to explain). */
export const MAX_SCHEMA_ERRORS = 32;

/** The most errors gathered for one action input or output (RULES.md I1). */
export const MAX_INSTANCE_ERRORS = 100;
