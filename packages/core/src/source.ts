import type { MrsError } from "./errors.js";

/**
 * One registration as it arrives: a value, raw JSON text (parsed and size-checked by the core,
 * RULES.md E1/E11), or the errors of a source that could not read it (an unreadable file).
 */
export type RegistrationInput =
  | { readonly payload: unknown }
  | { readonly text: string | Uint8Array }
  | { readonly errors: readonly MrsError[]; readonly module?: string };

/** A registration found by a source, with where it came from (`folder:modules/s3.json`). */
export type Discovery = RegistrationInput & { readonly origin: string };

/**
 * Where modules are discovered at startup and on refresh: a folder of manifests, module URLs,
 * values handed over in process.
 */
export interface RegistrationSource {
  /** A short name for logs: `memory`, `folder:modules`, `url:http://...`. */
  readonly name: string;
  /** Every registration the source holds now. Failures of single items are reported as `errors` inputs, not thrown. */
  discover(): Promise<readonly Discovery[]>;
  /** Optional: calls `onChange` when the source's content changed. Returns an unsubscribe function. */
  watch?(onChange: () => void): () => void;
  /** Optional: releases handles. */
  close?(): Promise<void>;
}
