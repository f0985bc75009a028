import { hash, timingSafeEqual } from "node:crypto";

/** A bearer token and the module names it may register (`"*"`: every name). RULES.md A1, A2. */
export interface TokenGrant {
  readonly token: string;
  readonly modules: readonly string[];
}

/** What a request's token grants: every name, or some. */
export type Grant = { readonly every: true } | { readonly every: false; readonly modules: ReadonlySet<string> };

/** Checks `Authorization` headers against a set of grants (A1-A3). */
export interface TokenChecker {
  /** `true` when at least one token is configured (without one, writing over HTTP is refused). */
  readonly configured: boolean;
  /** The grant of the header's bearer token, or `null` when there is none or it is unknown. */
  check(authorization: string | undefined): Grant | null;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** SHA-256 of a token: every digest is 32 bytes, so comparing them leaks nothing about lengths. */
// One-shot hashing: no Hash object per request.
const digest = (token: string) => hash("sha256", token, "buffer");

/**
 * Builds the token checker. Tokens are kept only as SHA-256 digests and compared with
 * `timingSafeEqual` against every grant, without stopping at the first match, so the time a
 * check takes says nothing about which token or how much of it matched (A3).
 */
export function tokenChecker(grants: readonly TokenGrant[] = []): TokenChecker {
  const held = grants.map((grant, i) => {
    if (typeof grant.token !== "string" || grant.token.length === 0) {
      throw new TypeError(`tokens[${i}]: a token must be a non-empty string`);
    }
    if (!Array.isArray(grant.modules)) throw new TypeError(`tokens[${i}]: modules must be a list of names or "*"`);
    return { hash: digest(grant.token), modules: [...grant.modules] };
  });
  return {
    configured: held.length > 0,
    check(authorization) {
      if (authorization === undefined || held.length === 0) return null;
      const match = BEARER.exec(authorization);
      if (match === null) return null;
      const presented = digest(match[1] as string);
      let every = false;
      let found = false;
      const modules = new Set<string>();
      for (const grant of held) {
        // No early exit: every grant is compared, whichever matches.
        if (timingSafeEqual(presented, grant.hash)) {
          found = true;
          for (const name of grant.modules) {
            if (name === "*") every = true;
            else modules.add(name);
          }
        }
      }
      if (!found) return null;
      return every ? { every: true } : { every: false, modules };
    },
  };
}

/** Whether a grant covers a module name (A2). */
export function mayRegister(grant: Grant, name: string): boolean {
  return grant.every || grant.modules.has(name);
}
