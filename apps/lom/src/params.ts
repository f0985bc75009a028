/** A `K=V` argument that could not be converted. */
export interface ParamFault {
  readonly param: string;
  readonly message: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Turns `K=V` strings (how RUNE's own CLI passes every parameter) into an input object typed by
 * the action's `input_schema`: `count=3` becomes a number where the schema says `integer`,
 * `force=true` a boolean, `tags=["a"]` an array. A value that does not convert is kept as the
 * string it was, so that schema validation names the field and the rule.
 */
export function paramsToInput(params: readonly string[], schema: unknown): { input: JsonObject; faults: ParamFault[] } {
  const input: JsonObject = {};
  const faults: ParamFault[] = [];
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq <= 0) {
      faults.push({ param, message: "expected KEY=VALUE" });
      continue;
    }
    const key = param.slice(0, eq);
    const raw = param.slice(eq + 1);
    const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
    // defineProperty: a key such as `__proto__` stays data (RULES.md E12).
    Object.defineProperty(input, key, {
      value: convert(raw, property),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { input, faults };
}

function typesOf(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === "string");
  return [];
}

function convert(raw: string, schema: unknown): unknown {
  const types = typesOf(schema);
  if (types.includes("string") || types.length === 0) return raw;
  if ((types.includes("integer") || types.includes("number")) && raw.trim() !== "" && Number.isFinite(Number(raw))) {
    return Number(raw);
  }
  if (types.includes("boolean") && (raw === "true" || raw === "false")) return raw === "true";
  if (types.includes("null") && raw === "null") return null;
  if (types.includes("object") || types.includes("array")) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}
