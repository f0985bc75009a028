import { TypeBoxValidatorCompiler } from "@fastify/type-provider-typebox";
import type { FastifySchemaCompiler } from "fastify";
import type { TSchema } from "typebox";

/** Keywords that could refuse a string: a schema with none of them accepts every string. */
const STRING_CONSTRAINTS = ["minLength", "maxLength", "pattern", "format", "enum", "const"];

/**
 * The routes' validator compiler: TypeBox's (no coercion of bodies, no members silently removed),
 * except for path parameters and headers whose schema only documents optional strings. The
 * router and Node's HTTP parser only ever produce strings there, so such a check cannot fail, and
 * converting and checking them on every request was a measurable part of a catalog read
 * (issue #22's profile). The schemas stay on the routes, for the OpenAPI document.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if ((route.httpPart === "params" || route.httpPart === "headers") && onlyStrings(route.schema, route.httpPart)) {
    return (value) => ({ value });
  }
  return TypeBoxValidatorCompiler(route);
};

function onlyStrings(schema: unknown, part: "params" | "headers"): boolean {
  if (typeof schema !== "object" || schema === null) return false;
  const { type, properties, required } = schema as { type?: unknown; properties?: unknown; required?: unknown };
  if (type !== "object" || typeof properties !== "object" || properties === null) return false;
  // A required header may be missing from a request; a path parameter never is.
  if (part === "headers" && Array.isArray(required) && required.length > 0) return false;
  return Object.values(properties).every(
    (property) =>
      typeof property === "object" &&
      property !== null &&
      (property as { type?: unknown }).type === "string" &&
      STRING_CONSTRAINTS.every((keyword) => !Object.hasOwn(property, keyword)),
  );
}
