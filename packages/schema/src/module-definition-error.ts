/** One fault found by `defineModule`. */
export interface ModuleDefinitionIssue {
  /** The RULES.md rule that the fault breaks (`E3`, `E9`, ...). */
  readonly rule: string;
  /** JSON Pointer of the faulty value in the payload. */
  readonly pointer: string;
  /** What is wrong, in one line. */
  readonly message: string;
}

/** Thrown by `defineModule` when the payload it would build is not a valid registration. */
export class ModuleDefinitionError extends Error {
  override readonly name = "ModuleDefinitionError";
  /** Every fault found, not only the first. */
  readonly issues: readonly ModuleDefinitionIssue[];

  constructor(moduleName: string, issues: readonly ModuleDefinitionIssue[]) {
    const lines = issues.map((issue) => `  ${issue.rule} ${issue.pointer || "/"}: ${issue.message}`);
    super(`Module ${JSON.stringify(moduleName)} is not a valid MRS registration:\n${lines.join("\n")}`);
    this.issues = issues;
  }
}
