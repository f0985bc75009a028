/** Placeholder: filled in by the package's issue. */
export const PACKAGE = "@rune/mrs-adapter-file";
