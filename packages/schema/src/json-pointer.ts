/** One reference token of a JSON Pointer (RFC 6901): `~` and `/` escaped. */
export function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}
