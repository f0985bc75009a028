/**
 * The names a `required` lists, each once, in order. Most objects require a few names: such a
 * list is read as it is, looked up by a scan, rather than copied into a set for every object
 * compared; a longer list, or one with repeats or values that are not names, becomes a set.
 */
export type RequiredNames = readonly string[] | ReadonlySet<string>;

/** No names required. */
export const NO_NAMES: RequiredNames = Object.freeze([]);

const SCANNED = 8;

/** The names a value of `required` lists. */
export function requiredNames(list: unknown): RequiredNames {
  if (!Array.isArray(list) || list.length === 0) return NO_NAMES;
  if (list.length <= SCANNED && namesOnce(list)) return list;
  const names = new Set<string>();
  for (const name of list) if (typeof name === "string") names.add(name);
  return names;
}

/** Whether `names` holds `name`. */
export function requires(names: RequiredNames, name: string): boolean {
  if (!Array.isArray(names)) return (names as ReadonlySet<string>).has(name);
  // A short list of names (see SCANNED) is scanned in place: cheaper than a call to `includes`.
  for (let i = 0; i < names.length; i++) if (names[i] === name) return true;
  return false;
}

/** True when both hold the same names in the same order (a set is not compared: false). */
export function sameNames(first: RequiredNames, second: RequiredNames): boolean {
  if (first === second) return true;
  // Either is a list or a set: `Array.isArray` tells them apart without `instanceof`'s walk up
  // the prototype chain.
  if (!Array.isArray(first) || !Array.isArray(second)) return false;
  const a = first as readonly string[];
  const b = second as readonly string[];
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for a list of strings without repeats (a short one: each name is compared with those before it, in place). */
function namesOnce(list: readonly unknown[]): list is readonly string[] {
  for (let i = 0; i < list.length; i++) {
    const name = list[i];
    if (typeof name !== "string") return false;
    for (let j = 0; j < i; j++) if (list[j] === name) return false;
  }
  return true;
}
