import { MrsFailure } from "@rune/mrs-core";
import type { FastifyRequest } from "fastify";
import { fail } from "./status.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses JSON bytes as UTF-8; `__proto__` stays data (E12): JSON.parse defines own properties. */
export function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** A `preValidation` hook: parses a JSON body kept as bytes, or answers INVALID_JSON. */
export async function jsonBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (!Buffer.isBuffer(body)) return;
  const parsed = parseJson(body);
  if (!parsed.ok) fail("INVALID_JSON", "", "the request body is not JSON", { hint: parsed.reason });
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
