/**
 * Freezes a JSON-like value and everything in it, in place, and returns it; throws a `TypeError`
 * for what no real backend could store (a function, a `bigint`, a symbol), as `structuredClone`
 * did before. What the memory store keeps, and what a memory source hands out, is frozen rather
 * than copied at every step: nobody can change it behind the store's back (a write throws in
 * strict code), for one walk instead of a copy and its garbage. Iterative: a deep value cannot
 * overflow the stack.
 */
export function freezeDeep<T>(value: T): T {
  if (typeof value === "object" && value !== null && frozenWhole.has(value)) return value;
  const pending: unknown[] = [value];
  // Objects that were frozen before this walk are still walked (a host may freeze only the top of
  // a payload), each once: `seen` guards against cycles among them, made only when one is met.
  let seen: Set<object> | undefined;
  while (pending.length > 0) {
    const item = pending.pop();
    const type = typeof item;
    if (type === "function" || type === "bigint" || type === "symbol") {
      throw new TypeError(`a ${type} cannot be stored: the memory store keeps JSON-like data only`);
    }
    if (type !== "object" || item === null || frozenWhole.has(item as object)) continue;
    if (Object.isFrozen(item)) {
      seen ??= new Set();
      if (seen.has(item as object)) continue;
      seen.add(item as object);
    } else {
      Object.freeze(item);
    }
    for (const key of Object.keys(item as object)) pending.push((item as Record<string, unknown>)[key]);
  }
  if (typeof value === "object" && value !== null) frozenWhole.add(value);
  return value;
}

/**
 * The values {@link freezeDeep} froze whole: met again (a payload handed to a new source, a
 * record that holds one), they are not walked again. Only the top of each walk is kept, so the
 * set grows with the values handed over, not with every object inside them.
 */
const frozenWhole = new WeakSet<object>();
