/**
 * The JSON text validation wrote for each capability schema (the verdict cache's key, `jsonKey`),
 * by capability and role, each kept with the schema it was written from: {@link payloadJson}
 * reuses a text only for that very schema. Slots by position rather than a Map by schema: a Map
 * cost ~0.7 µs per payload of 5 capabilities against ~0.2 µs (measured, 2026-12-01), and its
 * lookups stay O(1) for a payload of many capabilities.
 */
export class SchemaTexts {
  private readonly schemas: unknown[] = [];
  private readonly texts: string[] = [];

  /** Records the text of capability `index`'s schema under `key` (`input_schema` or `output_schema`). */
  set(index: number, key: string, schema: unknown, text: string): void {
    const slot = slotOf(index, key);
    this.schemas[slot] = schema;
    this.texts[slot] = text;
  }

  /** The text of capability `index`'s schema under `key`, when it was written from `schema`. */
  get(index: number, key: string, schema: unknown): string | undefined {
    const slot = slotOf(index, key);
    return this.schemas[slot] === schema ? this.texts[slot] : undefined;
  }

  /** Whether any text was recorded. */
  get empty(): boolean {
    return this.texts.length === 0;
  }
}

function slotOf(index: number, key: string): number {
  return index * 2 + (key === "input_schema" ? 0 : 1);
}

/**
 * `JSON.stringify(payload)`, with the text of each capability schema taken from `known` when
 * validation already wrote it: the schemas are most of a payload, and writing them twice was
 * about a sixth of a registry session. The text is the same, member for member, as
 * `JSON.stringify` gives; `undefined` where `JSON.stringify` gives that, or throws.
 *
 * Only the plain objects and arrays that hold the schemas are walked here (own keys in order,
 * members that write as nothing left out, as `JSON.stringify` does); anything else, a value with
 * its own `toJSON` among them (it would be called with another key), is written whole by
 * `JSON.stringify`.
 */
export function payloadJson(payload: unknown, known: SchemaTexts): string | undefined {
  try {
    if (!known.empty && isPlainRecord(payload)) {
      try {
        return recordJson(payload, (key, value) => (key === "capabilities" ? capabilities(value, known) : undefined));
      } catch (error) {
        if (error !== WHOLE) throw error;
      }
    }
    return JSON.stringify(payload);
  } catch {
    return undefined;
  }
}

/** Thrown where only `JSON.stringify` of the whole value (a payload, a change) writes a member as it would. */
export const WHOLE = Symbol("write the payload whole");

/** Writes one member of an object as JSON text, or `undefined` to leave it to `JSON.stringify`. */
export type Writer = (key: string, value: unknown) => string | undefined;

/**
 * The payload's own member names (the spec's), as JSON text: every payload repeats them, and
 * `JSON.stringify` of a key costs ~50 ns against ~6 ns for this lookup. On the bench's generated
 * payloads of 5 capabilities, `payloadJson` went from 2.4-2.7 µs to 1.5-1.7 µs (measured,
 * 2026-12-01). Other keys are written by `JSON.stringify`; the table never grows.
 */
const QUOTED: ReadonlyMap<string, string> = new Map(
  ["registration_metadata", "capabilities", "action", "description", "input_schema", "output_schema"].map((key) => [
    key,
    JSON.stringify(key),
  ]),
);

/**
 * A plain object's JSON; `special` may write a member itself (else `JSON.stringify` does).
 * Throws {@link WHOLE} where only `JSON.stringify` of the whole value would write it right.
 */
export function recordJson(value: Readonly<Record<string, unknown>>, special: Writer): string {
  let text = "";
  for (const key of Object.keys(value)) {
    const member = value[key];
    const written = special(key, member) ?? alone(member);
    if (written === undefined) continue;
    text += `${text === "" ? "" : ","}${QUOTED.get(key) ?? JSON.stringify(key)}:${written}`;
  }
  return `{${text}}`;
}

function capabilities(value: unknown, known: SchemaTexts): string | undefined {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype || hasToJson(value)) return undefined;
  let text = "";
  for (let index = 0; index < value.length; index++) {
    const capability: unknown = value[index];
    const schemaText: Writer = (key, member) =>
      key === "input_schema" || key === "output_schema" ? known.get(index, key, member) : undefined;
    const written = isPlainRecord(capability) ? recordJson(capability, schemaText) : alone(capability);
    text += `${index === 0 ? "" : ","}${written ?? "null"}`;
  }
  return `[${text}]`;
}

/** A member written by itself, as `JSON.stringify` writes it in place. */
function alone(member: unknown): string | undefined {
  // `toJSON` is called with the member's key, which a member written alone would not pass.
  if (typeof member === "bigint" || (typeof member === "object" && member !== null && hasToJson(member))) throw WHOLE;
  return JSON.stringify(member);
}

export function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !hasToJson(value);
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === "function";
}
