import { resolvePointer } from "../validation/pointer.js";
import { isSchemaObject, own, walkSchema } from "../validation/schema-walk.js";
import { atPointer, type SchemaRoot, type Side } from "./schema-side.js";
import { isAnnotation } from "./vocabulary.js";

/** Where a root's plain-name fragments (`#name`) point, and whether its references can be followed at all. */
interface RootIndex {
  /** `$anchor` names, and draft-07 `$id: "#name"`, to the JSON Pointer (from the root) of their subschema. */
  readonly anchors: ReadonlyMap<string, string>;
  /**
   * Why `#...` references cannot be resolved against the root: a nested `$id` that sets another
   * base (references below it resolve against that resource, not the root), or a schema too
   * large to index. `undefined` when they can.
   */
  readonly unfollowable?: string;
}

const indexes = new WeakMap<object, RootIndex>();

function indexOf(root: SchemaRoot): RootIndex {
  const key = root.schema as object;
  let index = indexes.get(key);
  if (!index) {
    index = buildIndex(root.schema);
    indexes.set(key, index);
  }
  return index;
}

function buildIndex(schema: unknown): RootIndex {
  const facts = walkSchema(schema, "");
  const anchors = new Map<string, string>();
  let unfollowable: string | undefined;
  if (facts.tooDeep !== undefined || facts.tooMany) unfollowable = "the schema is too large to index";
  for (const { schema: node, pointer, depth } of facts.subschemas) {
    if (!isSchemaObject(node)) continue;
    const anchor = own(node, "$anchor");
    if (typeof anchor === "string") anchors.set(anchor, pointer);
    const id = own(node, "$id");
    if (typeof id !== "string") continue;
    if (id.startsWith("#") && id.length > 1) anchors.set(id.slice(1), pointer);
    else if (depth > 0) unfollowable ??= `the nested "$id": ${JSON.stringify(id)} at ${pointer} sets another base`;
  }
  return unfollowable === undefined ? { anchors } : { anchors, unfollowable };
}

/** A reference resolved to its subschema, or the reason it could not be. */
export type Resolved = { readonly side: Side } | { readonly reason: string };

/**
 * Resolves a local reference (`#`, `#/json/pointer`, `#anchor`) against the root, through own
 * properties only (RULES.md E12). E10 allows nothing else; anything else is not followed.
 */
export function resolveRef(root: SchemaRoot, ref: string): Resolved {
  const index = indexOf(root);
  if (index.unfollowable !== undefined) return { reason: index.unfollowable };
  if (!ref.startsWith("#")) return { reason: `"$ref": ${JSON.stringify(ref)} is not local` };
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    return { reason: `"$ref": ${JSON.stringify(ref)} is not a valid URI fragment` };
  }
  const pointer = fragment === "" || fragment.startsWith("/") ? fragment : index.anchors.get(fragment);
  if (pointer === undefined) return { reason: `"$ref": ${JSON.stringify(ref)} names no anchor of this schema` };
  const found = resolvePointer(root.schema, pointer);
  if (!found.found || !(typeof found.value === "boolean" || isSchemaObject(found.value))) {
    return { reason: `"$ref": ${JSON.stringify(ref)} does not point at a subschema` };
  }
  return { side: atPointer(found.value, root, pointer) };
}

/**
 * A subschema with its references followed: `{ side }` the subschema that decides (the target of
 * a chain of `$ref`s, or the subschema itself); `{ side, target, rest }` for a draft 2020-12
 * `$ref` beside keywords that also constrain (both apply: the target, and the rest); or the reason
 * it could not be followed (a `$dynamicRef`, a reference that does not resolve, a chain of
 * references that comes back to itself without a schema).
 */
export type Followed =
  | { readonly side: Side; readonly target?: undefined; readonly rest?: undefined }
  | { readonly side: Side; readonly target: Side; readonly rest: Side }
  | { readonly reason: string };

const DYNAMIC_REFERENCES = ["$dynamicRef", "$recursiveRef"] as const;

/** Follows the `$ref`s of a subschema; see {@link Followed}. Draft-07 ignores the siblings of `$ref`. */
export function follow(side: Side): Followed {
  let current = side;
  // Made at the first reference: most subschemas hold none.
  let seen: Set<string> | undefined;
  for (;;) {
    const keywords = current.schema;
    if (!isSchemaObject(keywords)) return { side: current };
    for (const dynamic of DYNAMIC_REFERENCES) {
      if (Object.hasOwn(keywords, dynamic)) return { reason: `"${dynamic}" depends on the dynamic scope` };
    }
    const ref = own(keywords, "$ref");
    if (typeof ref !== "string") return { side: current };
    const resolved = resolveRef(current.root, ref);
    if ("reason" in resolved) return resolved;
    if (current.root.dialect === "2020-12" && Object.keys(keywords).some((k) => k !== "$ref" && !isAnnotation(k))) {
      const { $ref: _ref, ...rest } = keywords;
      return {
        side: current,
        target: resolved.side,
        rest: { schema: rest, pointer: current.pointer, root: current.root, variant: "without $ref" },
      };
    }
    seen ??= new Set();
    if (seen.has(resolved.side.pointer)) return { reason: `"$ref": ${JSON.stringify(ref)} is a cycle of references` };
    seen.add(resolved.side.pointer);
    current = resolved.side;
  }
}
