import { hash } from "node:crypto";

/**
 * A SHA-256 (hex) of what a registration carried: its payload as JSON, or the text that did not
 * parse; `null` when it carried nothing (a source's errors) or cannot be written as JSON. Two
 * registrations with the same digest carried the same content, key order included: what a
 * source that reads the same file again produces.
 */
export function registrationDigest(
  carried: { payload: unknown } | { text: string | Uint8Array } | null,
): string | null {
  if (carried === null) return null;
  let bytes: string | Uint8Array;
  if ("text" in carried) bytes = carried.text;
  else {
    try {
      const json = JSON.stringify(carried.payload);
      if (json === undefined) return null;
      bytes = json;
    } catch {
      return null;
    }
  }
  return digestOf(bytes);
}

/** The digest of a payload's JSON text already written (`undefined`: none, as above). */
export function jsonDigest(json: string | undefined): string | null {
  return json === undefined ? null : digestOf(json);
}

function digestOf(bytes: string | Uint8Array): string {
  // One-shot: no Hash object per registration.
  return hash("sha256", bytes, "hex");
}
