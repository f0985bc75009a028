import type { RegistrationPayload } from "@rune/mrs-schema";
import semver from "semver";
import { canonicalJson } from "./canonical-json.js";
import { type MrsError, mrsError } from "./errors.js";
import type { ModuleRecord } from "./model.js";

/** What happens to a valid registration, given what the session holds under its name (S2-S6). */
export type Resolution =
  | { readonly kind: "accepted" }
  | { readonly kind: "upgraded"; readonly previous: ModuleRecord }
  | { readonly kind: "rejected"; readonly error: MrsError };

/**
 * Version resolution (RULES.md S2-S6): a new name is accepted, a higher SemVer precedence
 * replaces ("favors latest"), a lower one is superseded, an equal one (build metadata ignored,
 * as SemVer precedence does) is a duplicate. A pure function: the same inputs give the same
 * answer whatever the order of arrival, which is what makes S7 hold.
 */
export function resolveRegistration(held: ModuleRecord | undefined, incoming: RegistrationPayload): Resolution {
  if (held === undefined) return { kind: "accepted" };
  const name = incoming.registration_metadata.module_name;
  const heldVersion = held.payload.registration_metadata.module_version;
  const version = incoming.registration_metadata.module_version;
  const order = semver.compare(version, heldVersion);
  if (order > 0) return { kind: "upgraded", previous: held };
  if (order < 0) {
    return {
      kind: "rejected",
      error: mrsError(
        "VERSION_SUPERSEDED",
        "/registration_metadata/module_version",
        `${name}@${version} is older than ${name}@${heldVersion}, which the session already holds`,
        { hint: `register a version higher than ${heldVersion}` },
      ),
    };
  }
  const identical = canonicalJson(held.payload) === canonicalJson(incoming);
  return {
    kind: "rejected",
    error: mrsError(
      "DUPLICATE_REGISTRATION",
      "/registration_metadata/module_name",
      identical
        ? `${name}@${heldVersion} is already registered with an identical payload in this session`
        : `${name}@${heldVersion} is already registered in this session with a different payload`,
      {
        identical,
        hint: identical
          ? "nothing to do: an earlier try went through"
          : "a module registers once per session: bump module_version to replace it",
      },
    ),
  };
}
