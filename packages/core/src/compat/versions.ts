import semver, { type SemVer } from "semver";

/**
 * Whether going from `oldVersion` to `newVersion` declares breaking changes (RULES.md C2): a
 * higher version in another compatibility range, as Cargo reads SemVer. From `1.y.z` up that is
 * a major bump; from `0.y.z` a minor bump (`0.3.1` to `0.4.0`); from `0.0.z` any bump (Cargo
 * treats every `0.0.z` as its own range). A pre-release counts as the version it precedes:
 * `2.0.0-rc.1` after `1.9.0` declares, `2.0.0` after `2.0.0-rc.1` does not.
 *
 * A version that is not SemVer, or a new version that is not higher, declares nothing.
 *
 * @example
 * declaresBreakingChange("1.4.2", "2.0.0") // true
 * declaresBreakingChange("0.3.1", "0.4.0") // true
 * declaresBreakingChange("1.4.2", "1.5.0") // false
 */
export function declaresBreakingChange(oldVersion: string, newVersion: string): boolean {
  const before = parsed(oldVersion);
  const after = parsed(newVersion);
  if (!before || !after || after.compare(before) <= 0) return false;
  return !sameCompatibilityRange(before, after);
}

/**
 * The lowest version after `version` that declares breaking changes (C2), for a hint such as
 * "release it as 2.0.0": the next major, or for `0.y.z` the next minor, or for `0.0.z` the next
 * patch. A pre-release is read as the version it precedes, so after `2.0.0-rc.1` it is `3.0.0`.
 * `undefined` for a version that is not SemVer.
 *
 * @example
 * nextBreakingVersion("1.4.2") // "2.0.0"
 * nextBreakingVersion("0.3.1") // "0.4.0"
 */
export function nextBreakingVersion(version: string): string | undefined {
  const parsed = semver.parse(version);
  if (!parsed) return undefined;
  if (parsed.major > 0) return `${parsed.major + 1}.0.0`;
  if (parsed.minor > 0) return `0.${parsed.minor + 1}.0`;
  return `0.0.${parsed.patch + 1}`;
}

const PARSED_KEPT = 256;
const parsedVersions = new Map<string, SemVer | null>();

/** `semver.parse`, remembered for a few hundred versions: the held version is parsed at every upgrade. */
function parsed(version: string): SemVer | null {
  let result = parsedVersions.get(version);
  if (result === undefined) {
    result = semver.parse(version);
    if (parsedVersions.size >= PARSED_KEPT) parsedVersions.clear();
    parsedVersions.set(version, result);
  }
  return result;
}

/**
 * Cargo's reading of a caret range: the leftmost non-zero of major, minor and patch names the
 * range (`1.y.z` is range 1, `0.3.z` range 0.3, `0.0.5` range 0.0.5).
 */
function sameCompatibilityRange(first: SemVer, second: SemVer): boolean {
  if (first.major !== second.major) return false;
  if (first.major > 0) return true;
  if (first.minor !== second.minor) return false;
  if (first.minor > 0) return true;
  return first.patch === second.patch;
}
