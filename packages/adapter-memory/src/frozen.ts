/**
 * Freezes a JSON-like value and everything in it, in place, and returns it; throws a `TypeError`
 * for what no real backend could store (a function, a `bigint`, a symbol), as `structuredClone`
 * did before. What the memory store keeps, and what a memory source hands out, is frozen rather
 * than copied at every step: nobody can change it behind the store's back (a write throws in
 * strict code), for one walk instead of a copy and its garbage. Iterative: a deep value cannot
 * overflow the stack.
 */
export function freezeDeep<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    const type = typeof item;
    if (type === "function" || type === "bigint" || type === "symbol") {
      throw new TypeError(`a ${type} cannot be stored: the memory store keeps JSON-like data only`);
    }
    if (type !== "object" || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    for (const key of Object.keys(item as object)) pending.push((item as Record<string, unknown>)[key]);
  }
  return value;
}
