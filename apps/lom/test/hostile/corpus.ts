// The hostile-input corpus: one JSON file per case under corpus/, read and checked here, and
// turned into bytes (or a stream of chunks, for the cases too large to hold) for every door.
import { readdirSync, readFileSync } from "node:fs";
import { ERROR_CODES, type ErrorCode, type MrsError } from "@rune/mrs-core";
import Type, { type Static } from "typebox";
import { Compile } from "typebox/compile";

/** Where a generated value goes in a case's `payload`: the string `"$GENERATED"`, anywhere. */
export const GENERATED = "$GENERATED";

const Generator = Type.Union([
  // A string of `fill` repeated `count` times, or as many times as make the whole body `totalBytes` UTF-8 bytes.
  Type.Object(
    {
      kind: Type.Literal("string"),
      fill: Type.String({ minLength: 1 }),
      count: Type.Optional(Type.Integer({ minimum: 0 })),
      totalBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  // `open` x depth, then `inner`, then `close` x depth: nesting without a recursive serialiser.
  Type.Object(
    {
      kind: Type.Literal("nest"),
      open: Type.String(),
      close: Type.String(),
      inner: Type.String(),
      depth: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
  // A JSON array of `count` copies of `item`, with `{{i}}` in its text replaced by the index.
  Type.Object(
    { kind: Type.Literal("array"), count: Type.Integer({ minimum: 0 }), item: Type.Unknown() },
    { additionalProperties: false },
  ),
  // A JSON object of `count` members `key` -> `value`, with `{{i}}` replaced by the index.
  Type.Object(
    { kind: Type.Literal("object"), count: Type.Integer({ minimum: 0 }), key: Type.String(), value: Type.Unknown() },
    { additionalProperties: false },
  ),
]);

const CaseFile = Type.Object(
  {
    /** The RULES.md rule the case attacks. */
    rule: Type.String({ pattern: "^[ESIA][0-9]+b?$" }),
    /** One line: what the case does and why it is hostile. */
    why: Type.String({ minLength: 10 }),
    /** The error code every door must give, or `accepted` for hostile-looking input that is valid. */
    expect: Type.String(),
    /** The HTTP status of `POST /v1/registrations`. */
    status: Type.Integer({ minimum: 200, maximum: 599 }),
    /** The JSON Pointer of the expected error, when it is certain. */
    pointer: Type.Optional(Type.String()),
    /** Text the expected error's hint must contain. */
    hint: Type.Optional(Type.String()),
    /** The payload as a JSON value (`"$GENERATED"` marks where `generate` puts its value). */
    payload: Type.Optional(Type.Unknown()),
    /** The body as text, exactly (for text that is not JSON). */
    text: Type.Optional(Type.String()),
    /** The body as bytes, base64 (for bytes that are not UTF-8). */
    base64: Type.Optional(Type.String()),
    generate: Type.Optional(Generator),
    /** For an accepted case: an input to check against the action afterwards (RULES.md I1). */
    input: Type.Optional(Type.Unknown()),
    /** The same as raw JSON text (for inputs holding `__proto__` keys). */
    inputText: Type.Optional(Type.String()),
    inputExpect: Type.Optional(Type.Union([Type.Literal("valid"), Type.Literal("INPUT_INVALID")])),
  },
  { additionalProperties: false },
);
const checkCaseFile = Compile(CaseFile);

export type GeneratorSpec = Static<typeof Generator>;

/** One corpus case, read from `corpus/NAME.json`. */
export interface HostileCase extends Omit<Static<typeof CaseFile>, "expect"> {
  readonly name: string;
  readonly file: string;
  readonly expect: ErrorCode | "accepted";
  /** The body's size in bytes (computed, without building it). */
  readonly size: number;
}

/** Bodies above this are streamed, never held whole by a test (the 100 MiB case). */
export const STREAM_ABOVE = 8 * 1024 * 1024;

const CORPUS = new URL("./corpus/", import.meta.url);

/** Every case of the corpus, sorted by name; throws on a case file that does not describe one case. */
export function loadCorpus(): HostileCase[] {
  const names = readdirSync(CORPUS)
    .filter((f) => f.endsWith(".json"))
    .sort();
  return names.map((file) => {
    const path = new URL(file, CORPUS);
    const raw: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (!checkCaseFile.Check(raw)) {
      const faults = [...checkCaseFile.Errors(raw)].map((e) => `${e.instancePath} ${e.message}`);
      throw new Error(`corpus/${file}: ${faults.join("; ")}`);
    }
    const bodies = ["payload", "text", "base64"].filter((k) => Object.hasOwn(raw, k));
    if (bodies.length !== 1) throw new Error(`corpus/${file}: exactly one of payload, text, base64 (has ${bodies})`);
    if (raw.generate !== undefined && raw.payload === undefined) {
      throw new Error(`corpus/${file}: generate needs a payload with "${GENERATED}" in it`);
    }
    if (raw.expect !== "accepted" && !Object.hasOwn(ERROR_CODES, raw.expect)) {
      throw new Error(`corpus/${file}: expect ${raw.expect} is neither "accepted" nor an error code`);
    }
    const hostile = { ...raw, name: file.replace(/\.json$/, ""), file: `corpus/${file}` } as HostileCase;
    return { ...hostile, size: sizeOf(hostile) };
  });
}

/** The module name an accepted case registers (read from its body). */
export function acceptedName(c: HostileCase): string {
  const value = JSON.parse(bodyText(c)) as { registration_metadata: { module_name: string } };
  return value.registration_metadata.module_name;
}

// ---- bodies ----

/** A body as a list of pieces, each a text repeated a number of times, so that 100 MiB is a few bytes to describe. */
type Piece = { readonly text: string; readonly times: number };

function pieces(c: HostileCase): Piece[] {
  if (c.text !== undefined) return [{ text: c.text, times: 1 }];
  if (c.base64 !== undefined) throw new Error("bytes have no text pieces");
  const whole = JSON.stringify(c.payload);
  if (c.generate === undefined) return [{ text: whole, times: 1 }];
  const marker = JSON.stringify(GENERATED);
  const at = whole.indexOf(marker);
  if (at === -1 || whole.indexOf(marker, at + 1) !== -1) throw new Error(`${c.name}: "${GENERATED}" must appear once`);
  const head = whole.slice(0, at);
  const tail = whole.slice(at + marker.length);
  return [{ text: head, times: 1 }, ...generated(c.generate, utf8(head) + utf8(tail)), { text: tail, times: 1 }];
}

function generated(g: GeneratorSpec, around: number): Piece[] {
  const each = (template: string, count: number, separator: string): Piece[] =>
    // Small counts (10,000 at most here): one piece per item keeps {{i}} substitution simple.
    Array.from({ length: count }, (_, i) => ({
      text: `${i === 0 ? "" : separator}${template.replaceAll("{{i}}", String(i))}`,
      times: 1,
    }));
  switch (g.kind) {
    case "string": {
      const fillBytes = utf8(g.fill);
      const count = g.count ?? Math.ceil(((g.totalBytes ?? 0) - around - 2) / fillBytes);
      if (g.totalBytes !== undefined && around + 2 + count * fillBytes !== g.totalBytes) {
        throw new Error(`cannot reach exactly ${g.totalBytes} bytes with ${JSON.stringify(g.fill)}`);
      }
      return [
        { text: '"', times: 1 },
        { text: g.fill, times: count },
        { text: '"', times: 1 },
      ];
    }
    case "nest":
      return [
        { text: g.open, times: g.depth },
        { text: g.inner, times: 1 },
        { text: g.close, times: g.depth },
      ];
    case "array":
      return [{ text: "[", times: 1 }, ...each(JSON.stringify(g.item), g.count, ","), { text: "]", times: 1 }];
    case "object":
      return [
        { text: "{", times: 1 },
        ...each(`${JSON.stringify(g.key)}:${JSON.stringify(g.value)}`, g.count, ","),
        { text: "}", times: 1 },
      ];
  }
}

function utf8(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function sizeOf(c: HostileCase): number {
  if (c.base64 !== undefined) return Buffer.from(c.base64, "base64").byteLength;
  return pieces(c).reduce((sum, p) => sum + utf8(p.text) * p.times, 0);
}

/** The whole body as bytes. Refuses the streamed cases: those are never held whole. */
export function bodyBytes(c: HostileCase): Buffer {
  if (c.size > STREAM_ABOVE) throw new Error(`${c.name} is ${c.size} bytes: stream it with bodyChunks`);
  if (c.base64 !== undefined) return Buffer.from(c.base64, "base64");
  return Buffer.from(bodyText(c), "utf8");
}

/** The whole body as text (not for `base64` or streamed cases). */
export function bodyText(c: HostileCase): string {
  if (c.size > STREAM_ABOVE) throw new Error(`${c.name} is ${c.size} bytes: stream it with bodyChunks`);
  return pieces(c)
    .map((p) => p.text.repeat(p.times))
    .join("");
}

/** The body as chunks of at most about `chunkBytes`, for streaming it into a socket or a file. */
export function* bodyChunks(c: HostileCase, chunkBytes = 64 * 1024): Generator<Buffer> {
  if (c.base64 !== undefined) {
    yield Buffer.from(c.base64, "base64");
    return;
  }
  let pending = "";
  for (const piece of pieces(c)) {
    // Repeat a small text in blocks of about chunkBytes, so no chunk grows with the body.
    const perBlock = Math.max(1, Math.floor(chunkBytes / Math.max(1, utf8(piece.text))));
    for (let left = piece.times; left > 0; left -= perBlock) {
      pending += piece.text.repeat(Math.min(perBlock, left));
      if (pending.length >= chunkBytes) {
        yield Buffer.from(pending, "utf8");
        pending = "";
      }
    }
  }
  if (pending.length > 0) yield Buffer.from(pending, "utf8");
}

/** The input of an accepted case's I1 check, if it has one. */
export function inputOf(c: HostileCase): { present: boolean; text: string } {
  if (c.inputText !== undefined) return { present: true, text: c.inputText };
  if (Object.hasOwn(c, "input")) return { present: true, text: JSON.stringify(c.input) };
  return { present: false, text: "" };
}

// ---- checks shared by the doors ----

/** `code@pointer` of each error: what must be the same whichever door a case goes through. */
export function signature(errors: readonly Pick<MrsError, "code" | "pointer">[]): string[] {
  return errors.map((e) => `${e.code}@${e.pointer}`);
}

/**
 * Why `errors` do not end `c` the way the corpus says (a clear error with the expected code and
 * rule, at the expected pointer, every error well formed), or `undefined` when they do.
 */
export function mismatch(c: HostileCase, errors: readonly MrsError[]): string | undefined {
  if (c.expect === "accepted") return errors.length === 0 ? undefined : `expected acceptance, got ${signature(errors)}`;
  for (const e of errors) {
    const info = (ERROR_CODES as Record<string, { rule: string } | undefined>)[e.code];
    if (info === undefined) return `unknown error code ${e.code}`;
    if (e.rule !== info.rule) return `${e.code} cites ${e.rule}, the registry says ${info.rule}`;
    if (typeof e.pointer !== "string" || (e.pointer !== "" && !e.pointer.startsWith("/"))) {
      return `${e.code} has the pointer ${JSON.stringify(e.pointer)}`;
    }
    if (typeof e.message !== "string" || e.message.trim() === "") return `${e.code} has no message`;
  }
  const hit = errors.find((e) => e.code === c.expect && (c.pointer === undefined || e.pointer === c.pointer));
  if (hit === undefined)
    return `expected ${c.expect}${c.pointer === undefined ? "" : `@${c.pointer}`}, got ${signature(errors)}`;
  if (c.hint !== undefined && !(hit.hint ?? "").includes(c.hint))
    return `hint ${JSON.stringify(hit.hint)} lacks ${c.hint}`;
  return undefined;
}

/** Own property names of the built-in prototypes: a payload that reached one would add a name. */
export function prototypeFingerprint(): string {
  const shapes = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype];
  const probe = {} as Record<string, unknown>;
  return JSON.stringify([
    ...shapes.map((p) => Object.getOwnPropertyNames(p).sort()),
    probe.polluted ?? null,
    probe.module_name ?? null,
    Object.getPrototypeOf(probe) === Object.prototype,
  ]);
}
