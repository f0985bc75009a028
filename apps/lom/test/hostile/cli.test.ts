// Door 2, the real binary: every corpus case as a manifest file, checked by `lom validate`
// (dist/cli.js in a child process). One run takes the whole corpus, as an operator would pass
// a folder's files, so the door costs one process start, not one per case.
import { closeSync, openSync, rmSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { checkRegistration, type MrsError } from "@rune/mrs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lom, tempDir } from "../harness.js";
import { bodyBytes, bodyChunks, type HostileCase, loadCorpus, mismatch, STREAM_ABOVE, signature } from "./corpus.js";

const corpus = loadCorpus();
const dir = tempDir("lom-hostile-cli-");
const fileOf = (c: HostileCase) => join(dir, `${c.name}.json`);
/** A sparse file of 16 GiB: Node cannot read a file over 2 GiB into one buffer, so had lom read
 * it, the answer would be SOURCE_UNAVAILABLE (ERR_FS_FILE_TOO_LARGE), not PAYLOAD_TOO_LARGE. */
const sparse = join(dir, "sixteen-gib.json");

interface FileResult {
  readonly file: string;
  readonly valid: boolean;
  readonly errors: MrsError[];
}
let results: Map<string, FileResult>;
let exitCode: number | null;

beforeAll(() => {
  for (const c of corpus) {
    // Streamed to the disk in 64 KiB chunks: the 100 MiB case is never held in memory here either.
    const fd = openSync(fileOf(c), "w");
    try {
      for (const chunk of bodyChunks(c)) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }
  closeSync(openSync(sparse, "w"));
  truncateSync(sparse, 16 * 1024 ** 3);
  const run = lom(["validate", "--json", ...corpus.map(fileOf), sparse], dir);
  exitCode = run.code;
  const parsed = JSON.parse(run.stdout) as { results: FileResult[] };
  results = new Map(parsed.results.map((r) => [r.file, r]));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("door 2, lom validate --json on every corpus file at once", { timeout: 60_000 }, () => {
  it("MRS-E1-E12 answers for every file, in order, and exits 1 because some are invalid", () => {
    expect(exitCode).toBe(1);
    expect([...results.keys()]).toEqual([...corpus.map(fileOf), sparse]);
  });

  it.each(corpus.map((c) => [`MRS-${c.rule}`, c.name, c] as const))(
    "%s %s: the corpus's code, the core's faults",
    (_rule, _n, c) => {
      const result = results.get(fileOf(c)) as FileResult;
      expect(result.valid).toBe(c.expect === "accepted");
      expect(mismatch(c, result.errors), c.why).toBeUndefined();
      if (c.size <= STREAM_ABOVE) {
        expect(signature(result.errors)).toEqual(signature(checkRegistration({ text: bodyBytes(c) }).errors));
      }
    },
  );

  it("MRS-E1-E12 exits 0 when every file given is valid: the accepted cases alone", () => {
    const accepted = corpus.filter((c) => c.expect === "accepted").map(fileOf);
    const run = lom(["validate", "--json", ...accepted], dir);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { results: FileResult[] }).results.every((r) => r.valid)).toBe(true);
  });

  it("MRS-E11 a manifest of 16 GiB (sparse) is refused from its size alone, never read", () => {
    expect(results.get(sparse)?.errors).toMatchObject([{ code: "PAYLOAD_TOO_LARGE", rule: "E11", pointer: "" }]);
  });

  it("MRS-E2 MRS-E5 MRS-E10 MRS-E11 the human output names each fault with its code and MRS rule id", () => {
    const chosen = ["e11-pattern-backreference", "e10-ref-file", "e5-leap-second-december", "e12-proto-root"];
    const run = lom(["validate", ...chosen.map((n) => join(dir, `${n}.json`))], dir);
    expect(run.code).toBe(1);
    for (const line of [
      "UNSAFE_PATTERN MRS-E11",
      "REMOTE_REF_FORBIDDEN MRS-E10",
      "INVALID_TIMESTAMP MRS-E5",
      "UNKNOWN_FIELD MRS-E2",
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout).toContain("0 valid, 4 invalid");
  });
});
