import { hash } from "node:crypto";

/**
 * A SHA-256 (hex) of what a registration carried: its payload's JSON text (see `payloadJson`),
 * or the text that did not parse; `null` when it carried nothing (a source's errors) or its
 * payload cannot be written as JSON. Two registrations with the same digest carried the same
 * content, key order included: what a source that reads the same file again produces.
 */
export function registrationDigest(carried: string | Uint8Array | undefined | null): string | null {
  if (carried === undefined || carried === null) return null;
  // One-shot: no Hash object per registration.
  return hash("sha256", carried, "hex");
}
