// Shared by this package's tests (not exported): a real server on 127.0.0.1, port 0.
import type { AddressInfo } from "node:net";
import { memoryStore } from "@rune/mrs-adapter-memory";
import { createRegistry, type Registry, type RegistryStore } from "@rune/mrs-core";
import type { FastifyInstance } from "fastify";
import { createMrsServer, type MrsServerOptions } from "./server.js";

/** A token granted every name, and one granted only `echo`. */
export const ALL = "token-all-0123456789";
export const ECHO_ONLY = "token-echo-0123456789";
export const TOKENS = [
  { token: ALL, modules: ["*"] },
  { token: ECHO_ONLY, modules: ["echo"] },
] as const;

export interface TestApi {
  readonly url: string;
  readonly server: FastifyInstance;
  readonly registry: Registry;
  readonly store: RegistryStore;
  close(): Promise<void>;
}

/** Starts a registry (unless `start: false`) and the API on it, listening on 127.0.0.1:0. */
export async function startApi(
  options: Partial<Omit<MrsServerOptions, "registry">> & { registry?: Registry; start?: boolean } = {},
): Promise<TestApi> {
  const store = options.store ?? memoryStore();
  const registry = options.registry ?? createRegistry({ store });
  if (options.start !== false) await registry.start();
  const server = createMrsServer({
    tokens: TOKENS,
    ...options,
    registry,
    store,
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    registry,
    store,
    async close() {
      await server.close();
      await registry.close();
    },
  };
}

/** One call with the answer's status, parsed JSON body (or `null`) and raw text. */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; contentType?: string | null } = {},
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON, asserted field by field.
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | Uint8Array | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" || init.body instanceof Uint8Array ? init.body : JSON.stringify(init.body);
    if (init.contentType !== null) headers["content-type"] = init.contentType ?? "application/json";
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** The codes of an error body. */
export const codes = (body: { errors?: { code: string }[] } | null): string[] =>
  (body?.errors ?? []).map((e) => e.code);
