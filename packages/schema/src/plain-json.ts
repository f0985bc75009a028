/**
 * TypeBox 1.x schemas carry non-enumerable `~kind` / `~optional` (and, for refinements and codecs,
 * function-valued) keys. A JSON round trip keeps exactly the enumerable JSON members: what another
 * validator, a store or an HTTP client will see.
 */
export function toPlainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Freezes a JSON value and everything in it, so that a shared constant cannot be changed by a caller. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
