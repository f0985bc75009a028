import type { MrsWarning } from "../errors.js";
import { jsonKey, parsedJsonKey } from "./json-key.js";
import { ANALYSIS_BUDGET_MS } from "./limits.js";
import type { SchemaTexts } from "./payload-json.js";
import { checkSchema, type SchemaCheckOptions, type SchemaReport } from "./schema-rules.js";

/** How many schema verdicts are kept; past it the cache starts over (a bound, not an LRU). */
const MAX_VERDICTS = 2_000;
/**
 * Verdicts by the check's options, then by the schema's text: the text is looked up as it comes
 * from `JSON.stringify`, never joined to a prefix (a joined key is a copy and a fresh hash, about
 * a sixth of validating the spec's small payload).
 */
const verdicts = {
  root: new Map<string, Map<string, SchemaReport>>(),
  any: new Map<string, Map<string, SchemaReport>>(),
};
let held = 0;

/** What a schema is checked as: the options of {@link checkSchema} but its time bound. */
export type SchemaRole = Omit<SchemaCheckOptions, "deadline" | "key" | "compileNow">;

/**
 * One time bound for the slow parts (pattern analysis, explaining meta-schema faults) of a whole
 * payload, whatever the number of schemas in it (E11). It starts with the first schema that is
 * not already known: a payload whose schemas all are never reads the clock.
 */
export interface AnalysisBudget {
  deadline?: number;
}

function startBudget(budget: AnalysisBudget): number {
  budget.deadline ??= performance.now() + ANALYSIS_BUDGET_MS;
  return budget.deadline;
}

/**
 * {@link checkSchema}, remembered by content for schemas that passed every rule: a module that
 * registers again (every LOM start, every retry) pays for the meta-schema and regular-expression
 * checks once. Only passing verdicts are kept: a rejection may depend on the analysis budget
 * (E11), which depends on the machine's load, and must be decided afresh. The key is the
 * schema's JSON text ({@link jsonKey}): a verdict is only ever returned for the same content.
 * `texts`, when given, gets that text as capability `index`'s, for a caller that writes the
 * payload next. `parsed`: the schema comes straight from `JSON.parse` (see {@link parsedJsonKey}).
 */
export function checkSchemaOnce(
  schema: unknown,
  role: SchemaRole,
  budget: AnalysisBudget,
  texts?: SchemaTexts,
  index = 0,
  parsed = false,
): SchemaReport {
  const text =
    typeof schema !== "object" || schema === null ? undefined : parsed ? parsedJsonKey(schema) : jsonKey(schema);
  if (text === undefined) return checkForRegistration(schema, role, budget);
  texts?.set(index, role.label, schema, text);
  const byLabel = role.requireObjectRoot ? verdicts.root : verdicts.any;
  let byText = byLabel.get(role.label);
  const known = byText?.get(text);
  if (known !== undefined) return known;
  const report = checkForRegistration(schema, role, budget);
  if (report.errors.length === 0) {
    if (held >= MAX_VERDICTS) {
      verdicts.root.clear();
      verdicts.any.clear();
      held = 0;
      byText = undefined;
    }
    if (byText === undefined) {
      byText = new Map();
      byLabel.set(role.label, byText);
    }
    byText.set(text, report);
    held += 1;
  }
  return report;
}

/** {@link checkSchema} for a registration, within the payload's time bound; never compiles (I1). */
function checkForRegistration(schema: unknown, role: SchemaRole, budget: AnalysisBudget): SchemaReport {
  return checkSchema(schema, "", { ...role, deadline: startBudget(budget) });
}

/**
 * Whether a registration found this very content (its JSON text, member order included) to pass
 * every rule: a verdict still remembered. The first check of a registered capability then
 * compiles it without the rules again (I1): every role's rules include the engine's (an input or
 * output schema's add E9's object root), and a passing verdict depends on the content alone.
 * Content not found (another member order, a verdict the bound let go) is only checked again.
 */
export function passedRegistration(schema: unknown): boolean {
  // No verdict held (a process that only compiles): no text to write.
  if (held === 0) return false;
  const text = jsonKey(schema);
  if (text === undefined) return false;
  for (const byLabel of [verdicts.root, verdicts.any]) {
    for (const byText of byLabel.values()) if (byText.has(text)) return true;
  }
  return false;
}

/** The same report with its pointers under `base` (they were computed relative to the schema). */
export function rebase(report: SchemaReport, base: string): SchemaReport {
  // Nothing to point at (the common case, a clean schema): the report is the same wherever it is.
  if (base === "" || (report.errors.length === 0 && report.warnings.length === 0)) return report;
  return {
    ...report,
    errors: report.errors.map((e) => ({ ...e, pointer: `${base}${e.pointer}` })),
    warnings: report.warnings.map((w): MrsWarning => ({ ...w, pointer: `${base}${w.pointer}` })),
  };
}
