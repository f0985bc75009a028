import { toPointer } from "../errors.js";

/** Appends path segments to a JSON Pointer: `child("/a", "b/c", 0)` is `/a/b~1c/0`. */
export function child(pointer: string, ...segments: readonly (string | number)[]): string {
  return pointer + toPointer(segments);
}

/** The segments of a JSON Pointer (RFC 6901), or `undefined` when it is not one. */
export function segmentsOf(pointer: string): string[] | undefined {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return undefined;
  // Most pointers escape nothing: no segment to unescape.
  if (!pointer.includes("~")) return pointer.slice(1).split("/");
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/**
 * Follows a JSON Pointer through own properties only, so that `/__proto__` or `/constructor`
 * name data and never reach a prototype (RULES.md E12).
 */
export function resolvePointer(root: unknown, pointer: string): { found: boolean; value?: unknown } {
  const segments = segmentsOf(pointer);
  if (!segments) return { found: false };
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d*)$/.test(segment)) return { found: false };
      const index = Number(segment);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
