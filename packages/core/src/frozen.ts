/**
 * Freezes a JSON-like value and everything in it, in place, and returns it; throws a `TypeError`
 * for what no store could keep (a function, a `bigint`, a symbol). A value frozen whole this way
 * is nobody's to change any more, so the registry holds it as it is: `register({ payload })`
 * copies any other value it is handed (a caller changing its object later must not change the
 * catalog behind the rules' back), and an object frozen only at its top (`Object.freeze`) is not
 * frozen whole. The memory adapter's source and store hand values over this way: one walk
 * instead of a copy and its garbage. Iterative: a deep value cannot overflow the stack.
 *
 * @example
 * const payload = freezeDeep(JSON.parse(text));
 * await registry.register({ payload }, "host"); // held as it is, not copied
 */
export function freezeDeep<T>(value: T): T {
  if (isFrozenWhole(value)) return value;
  const pending: unknown[] = [value];
  // Objects that were frozen before this walk are still walked (a host may freeze only the top of
  // a payload), each once: `seen` guards against cycles among them, made only when one is met.
  let seen: Set<object> | undefined;
  while (pending.length > 0) {
    const item = pending.pop();
    const type = typeof item;
    if (type === "function" || type === "bigint" || type === "symbol") {
      throw new TypeError(`a ${type} cannot be frozen as data: only JSON-like values are kept`);
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

/** Whether {@link freezeDeep} froze `value` whole: then no one can change anything inside it. */
export function isFrozenWhole(value: unknown): boolean {
  return typeof value === "object" && value !== null && frozenWhole.has(value);
}
