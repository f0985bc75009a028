/**
 * A canonical JSON text of a value: object keys sorted, so that two payloads that differ only
 * in member order compare equal (S5's `identical`) and a schema has one cache key.
 * Iterative (no recursion), so a hostile depth cannot overflow the stack.
 */
export function canonicalJson(value: unknown): string {
  let out = "";
  const stack: unknown[] = [value];
  // Markers are pushed as strings wrapped in a box so they cannot be confused with data.
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Raw) {
      out += item.text;
      continue;
    }
    if (item === null || typeof item !== "object") {
      out += JSON.stringify(item) ?? "null";
      continue;
    }
    if (Array.isArray(item)) {
      stack.push(new Raw("]"));
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i]);
        if (i > 0) stack.push(new Raw(","));
      }
      out += "[";
      continue;
    }
    const keys = Object.keys(item).sort();
    stack.push(new Raw("}"));
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push((item as Record<string, unknown>)[key]);
      stack.push(new Raw(`${i > 0 ? "," : ""}${JSON.stringify(key)}:`));
    }
    out += "{";
  }
  return out;
}

class Raw {
  constructor(readonly text: string) {}
}
