import { MrsFailure, parseJson } from "@rune/mrs-core";
import type { FastifyRequest } from "fastify";
import { fail } from "./status.js";

/**
 * A `preValidation` hook: parses a JSON body kept as bytes as core parses a payload (strict
 * UTF-8, `__proto__` kept as data, E12), or answers INVALID_JSON saying where it goes wrong.
 */
export async function jsonBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!Buffer.isBuffer(body)) return;
  const parsed = parseJson(body);
  if (!parsed.ok) fail("INVALID_JSON", "", "the request body is not JSON", { hint: parsed.errors[0]?.message });
  request.body = parsed.value;
}

/** Runs a store call: a store that throws answers 503 STORE_UNAVAILABLE (S11), keeping MRS codes it gives. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof MrsFailure) throw error;
    return fail(
      "STORE_UNAVAILABLE",
      "",
      `the store failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "retry once the store is back",
      },
    );
  }
}
