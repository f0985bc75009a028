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
  const stack: Frame[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const current = frame.value;
    if (typeof current !== "object" || current === null) continue;
    if (frame.depth > limit) return pathOf(frame);
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], depth: frame.depth + 1, key: index, parent: frame });
      }
    } else {
      for (const [key, child] of Object.entries(current)) {
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
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
