import type { MrsError, MrsWarning } from "./errors.js";

/**
 * The result of every check in MRS: data, never an exception (STYLE.md 7). `errors` lists
 * every fault found, not only the first; `warnings` never block.
 */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T; readonly errors: readonly []; readonly warnings: readonly MrsWarning[] }
  | { readonly ok: false; readonly errors: readonly MrsError[]; readonly warnings: readonly MrsWarning[] };

/** The answer of an input or output check (RULES.md I1). */
export type InstanceCheck = { readonly valid: true } | { readonly valid: false; readonly errors: readonly MrsError[] };
