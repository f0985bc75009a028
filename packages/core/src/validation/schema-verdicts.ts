import type { MrsWarning } from "../errors.js";
import { jsonKey } from "./json-key.js";
import { checkSchema, type SchemaCheckOptions, type SchemaReport } from "./schema-rules.js";

/** How many schema verdicts are kept; past it the cache starts over (a bound, not an LRU). */
const MAX_VERDICTS = 2_000;
const verdicts = new Map<string, SchemaReport>();

/**
 * {@link checkSchema}, remembered by content for schemas that passed every rule: a module that
 * registers again (every LOM start, every retry) pays for the meta-schema and regular-expression
 * checks once. Only passing verdicts are kept: a rejection may depend on the analysis budget
 * (E11), which depends on the machine's load, and must be decided afresh. The key is the
 * schema's JSON text ({@link jsonKey}): a verdict is only ever returned for the same content.
 */
export function checkSchemaOnce(schema: unknown, base: string, options: SchemaCheckOptions): SchemaReport {
  const text = typeof schema === "object" && schema !== null ? jsonKey(schema) : undefined;
  if (text === undefined) return checkSchema(schema, base, options);
  const key = `${options.requireObjectRoot ? "root" : "any"}:${options.label}:${text}`;
  const known = verdicts.get(key);
  if (known !== undefined) return rebase(known, base);
  const report = checkSchema(schema, "", options);
  if (report.errors.length === 0) {
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, report);
  }
  return rebase(report, base);
}

/** The same report with its pointers under `base` (they were computed relative to the schema). */
function rebase(report: SchemaReport, base: string): SchemaReport {
  // Nothing to point at (the common case, a clean schema): the report is the same wherever it is.
  if (base === "" || (report.errors.length === 0 && report.warnings.length === 0)) return report;
  return {
    ...report,
    errors: report.errors.map((e) => ({ ...e, pointer: `${base}${e.pointer}` })),
    warnings: report.warnings.map((w): MrsWarning => ({ ...w, pointer: `${base}${w.pointer}` })),
  };
}
