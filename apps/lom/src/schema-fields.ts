/** One field of an object schema, flattened for people: `target.host`, `string`, required. */
export interface SchemaField {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly format?: string;
  readonly description?: string;
  readonly enum?: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The type of a schema in a word or two: `string`, `integer | null`, `array of string`, `object`. */
export function typeOf(schema: JsonObject): string {
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.type === "array" && isObject(schema.items)) return `array of ${typeOf(schema.items)}`;
  if (typeof schema.type === "string") return schema.type;
  if ("const" in schema) return `const ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return "enum";
  for (const k of ["oneOf", "anyOf"]) {
    if (Array.isArray(schema[k])) return (schema[k] as unknown[]).filter(isObject).map(typeOf).join(" | ");
  }
  if (typeof schema.$ref === "string") return schema.$ref;
  return "any";
}

/**
 * The fields of an object schema, nested objects flattened with dots, to a bounded depth (a
 * schema in the catalog is at most 32 levels deep, but nobody reads past a few).
 */
export function describeSchema(schema: unknown, prefix = "", depth = 0): SchemaField[] {
  if (!isObject(schema) || !isObject(schema.properties) || depth > 6) return [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const fields: SchemaField[] = [];
  for (const [name, sub] of Object.entries(schema.properties)) {
    if (!isObject(sub)) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    fields.push({
      path,
      type: typeOf(sub),
      required: required.has(name),
      ...(typeof sub.format === "string" ? { format: sub.format } : {}),
      ...(typeof sub.description === "string" ? { description: sub.description } : {}),
      ...(Array.isArray(sub.enum) ? { enum: sub.enum.map((v) => JSON.stringify(v)).join(", ") } : {}),
    });
    fields.push(...describeSchema(sub, path, depth + 1));
  }
  return fields;
}
