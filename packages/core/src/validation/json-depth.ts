/** A position in a JSON value, kept as a parent chain so that no path is built unless needed. */
interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly key: string | number | undefined;
  readonly parent: Frame | undefined;
}

/**
 * Finds the first object or array nested deeper than `limit` (the root is level 0), without
 * recursion, so that a payload nested 10,000 deep is measured rather than overflowing the stack
 * (RULES.md E11). Returns the path to it, or `undefined` when the value stays within the limit.
 */
export function findTooDeep(value: unknown, limit: number): (string | number)[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  // Frames for objects and arrays only: most members are strings and numbers, which nest nothing.
  const stack: Frame[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const current = frame.value as object;
    if (frame.depth > limit) return pathOf(frame);
    const depth = frame.depth + 1;
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        const child: unknown = current[index];
        if (typeof child === "object" && child !== null) stack.push({ value: child, depth, key: index, parent: frame });
      }
    } else {
      for (const key of Object.keys(current)) {
        const child: unknown = (current as Record<string, unknown>)[key];
        if (typeof child === "object" && child !== null) stack.push({ value: child, depth, key, parent: frame });
      }
    }
  }
  return undefined;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}
