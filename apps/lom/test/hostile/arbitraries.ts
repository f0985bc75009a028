// fast-check generators of hostile registration bodies for the fuzz tests: payloads that are
// often valid (so that upgrades, duplicates and supersessions happen too), built from values
// that sit on the edges of every envelope rule, then sometimes damaged as text.
import fc from "fast-check";

/** A few module names, so that registrations meet again (RULES.md S3-S5); the first is the limited token's. */
export const NAMES = ["hostile-dup-first", "fuzz-a", "fuzz-b", "fuzz_c", "constructor"] as const;

const invisible = ["\u200b", "\u200d", "\ufeff", "\u00ad", "\u202e", "\u0000", "\n", "\u001b[31m"];
const lookalikes = ["\u0430", "\u0435", "\u043e", "\u0440", "\u03bf", "\uff41", "\u212a", "\u017f", "\u0130", "A"];

/** Mostly a name from {@link NAMES}; sometimes one bent by a lookalike or invisible character, or any string. */
const nameLike = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NAMES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...NAMES), fc.nat(), fc.constantFrom(...invisible, ...lookalikes))
      .map(([name, at, inserted]) => {
        const i = at % (name.length + 1);
        return `${name.slice(0, i)}${inserted}${name.slice(i)}`;
      }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 70, unit: "binary" }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

const bigNumber = fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String);
/** Mostly small versions (so precedence matters); sometimes beyond 2^53, ranges, prefixes, or anything. */
const versionLike = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map((v) => v.join(".")) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.constantFrom("-rc.1", "-alpha", "+build.7", "-0", "-01", "+", ""))
      .map(([a, b, c, tail]) => `${a}.${b}.${c}${tail}`),
  },
  { weight: 1, arbitrary: fc.tuple(bigNumber, bigNumber, bigNumber).map((v) => v.join(".")) },
  { weight: 1, arbitrary: fc.constantFrom("v1.0.0", "^1.0.0", "1.0", " 1.0.0", "1.0.0 ", "1.x", "01.0.0", "1e3.0.0") },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Mostly real UTC instants; sometimes leap seconds, offsets, impossible days, or anything. */
const timestampLike = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom("Z", "z", "+00:00", "-00:00", "+14:00", "+01:30", "", ".5Z", ".123456789123Z"),
      )
      .map(([y, mo, d, h, mi, s, zone]) => {
        const two = (n: number) => String(n).padStart(2, "0");
        return `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${zone}`;
      }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);

/** Safe patterns, catastrophic ones, broken ones, and random short sources. */
const patternLike = fc.oneof(
  fc.constantFrom(
    "^[a-z][a-z0-9-]*$",
    "^\\d{3}-\\d{4}$",
    "^(a+)+$",
    "(a|a)*",
    "^(\\w+\\s?)*$",
    "(x+x+)+y",
    "^(a+)\\1$",
    "[",
    "(?<n>a)\\k<n>",
    "\\p{L}+",
    ".*.*.*=.*",
  ),
  fc.string({ maxLength: 12, unit: fc.constantFrom("a", "+", "*", "(", ")", "|", "?", "[", "]", "\\", "^", "$", ".") }),
);

/** Local, remote, dangling and prototype-named references. */
const refLike = fc.constantFrom(
  "#",
  "#/$defs/a",
  "#/$defs/missing",
  "#/constructor",
  "#/__proto__",
  "#A",
  "http://127.0.0.1:9/x.json",
  "file:///etc/passwd",
  "../x.json",
  "x.json#/a",
  "//evil.example/x",
);

/** Property names, including the ones a careless merge would follow into a prototype. */
const keyLike = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom("a", "b", "target", "__proto__", "constructor", "prototype", "x-ui", "$ref"),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** A JSON-Schema-ish value: mostly objects of real keywords, at most a few levels deep. */
const schemaLike: fc.Arbitrary<unknown> = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant({ type: "object" }),
    fc.boolean(),
    fc.record(
      {
        type: fc.constantFrom("object", "string", "integer", "array", "number", "boolean", "null", "objekt"),
        properties: fc.dictionary(keyLike, tie("schema"), { maxKeys: 3 }),
        patternProperties: fc.dictionary(patternLike, tie("schema"), { maxKeys: 2 }),
        items: tie("schema"),
        allOf: fc.array(tie("schema"), { maxLength: 2 }),
        $defs: fc.record({ a: tie("schema") }),
        $ref: refLike,
        $anchor: fc.constantFrom("A", "B", "1bad"),
        pattern: patternLike,
        format: fc.constantFrom("date-time", "uri", "email", "uuid", "made-up", "regex"),
        enum: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
        const: fc.jsonValue({ maxDepth: 2 }),
        required: fc.array(keyLike, { maxLength: 3 }),
        minLength: fc.integer({ min: -2, max: 5 }),
        $data: fc.constant("1/a"),
      },
      { requiredKeys: [] },
    ),
  ),
})).schema;

/** An object schema whose root is usually acceptable (`"type": "object"`). */
const capabilitySchema = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ type: "object", properties: { target: { type: "string" } } }) },
  { weight: 3, arbitrary: schemaLike.map((s) => (typeof s === "object" && s !== null ? { ...s, type: "object" } : s)) },
  { weight: 1, arbitrary: schemaLike },
);

const capability = fc.record({
  action: fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom("run", "stop", "constructor") },
    { weight: 1, arbitrary: nameLike },
  ),
  description: fc.oneof(
    { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constantFrom("", "x".repeat(4097), "\ud800", "\ud83d\ude00".repeat(4096)) },
  ),
  input_schema: capabilitySchema,
  output_schema: capabilitySchema,
});

/** A payload value: the three metadata fields and a few capabilities, each from the generators above. */
export const payloadValue = fc.record({
  registration_metadata: fc.record({
    module_name: nameLike,
    module_version: versionLike,
    registered_at: timestampLike,
  }),
  capabilities: fc.oneof(
    { weight: 8, arbitrary: fc.array(capability, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  ),
});

/** Schemas that pass every rule, some with the keys E12 is about as property names. */
const safeSchema = fc.constantFrom<unknown>(
  { type: "object" },
  { type: "object", properties: { target: { type: "string", pattern: "^[a-z][a-z0-9-]*$" } }, required: ["target"] },
  JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"integer"}}}'),
  {
    type: "object",
    $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } },
    properties: { head: { $ref: "#/$defs/node" } },
  },
  {
    type: "object",
    properties: { when: { type: "string", format: "date-time" }, n: { enum: [1, 2, 3] } },
    "x-ui": { order: 1 },
  },
);

/** A payload that passes every envelope rule: the session's rules (S3-S5) then decide. */
export const validPayloadValue = fc
  .record({
    name: fc.constantFrom(...NAMES),
    version: fc
      .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.constantFrom("", "", "-rc.1", "+build.5"))
      .map(([a, b, c, tail]) => `${a}.${b}.${c}${tail}`),
    at: fc
      .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    actions: fc.uniqueArray(fc.constantFrom("run", "stop", "constructor", "status"), { minLength: 1, maxLength: 3 }),
    input: safeSchema,
    output: safeSchema,
    extension: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  })
  .map(({ name, version, at, actions, input, output, extension }) => ({
    registration_metadata: { module_name: name, module_version: version, registered_at: at },
    capabilities: actions.map((action) => ({
      action,
      description: `Runs ${action}`,
      input_schema: input,
      output_schema: output,
    })),
    ...(extension === undefined ? {} : { "x-vendor": extension }),
  }));

/** A damage done to the payload's text; `at` is taken modulo the text's length. */
const textEdit = fc.oneof(
  // A key inserted after an opening brace: JSON.parse makes `__proto__` an own member, as it must stay.
  fc.record({
    kind: fc.constant("inject" as const),
    at: fc.nat(),
    key: fc.constantFrom("__proto__", "constructor", "prototype", "x-vendor", "capabilites", "$ref", "module_name"),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("replace" as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
  }),
);

function applyEdit(text: string, edit: TextEdit): string {
  const at = edit.at % Math.max(1, text.length);
  switch (edit.kind) {
    case "truncate":
      return text.slice(0, at);
    case "replace":
      return `${text.slice(0, at)}${edit.char}${text.slice(at + 1)}`;
    case "inject": {
      const brace = text.indexOf("{", at) === -1 ? text.indexOf("{") : text.indexOf("{", at);
      if (brace === -1) return text;
      const member = `${JSON.stringify(edit.key)}:${JSON.stringify(edit.value)}`;
      const closes = text[brace + 1] === "}";
      return `${text.slice(0, brace + 1)}${member}${closes ? "" : ","}${text.slice(brace + 1)}`;
    }
  }
}
type TextEdit =
  | { kind: "inject"; at: number; key: string; value: unknown }
  | { kind: "truncate"; at: number }
  | { kind: "replace"; at: number; char: string };

/**
 * A registration body as text: a valid payload a third of the time, else a generated one, left
 * whole most of the time, else damaged once or twice.
 */
export const bodyText = fc
  .tuple(
    fc.oneof({ weight: 1, arbitrary: validPayloadValue }, { weight: 2, arbitrary: payloadValue }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: fc.array(textEdit, { minLength: 1, maxLength: 2 }) },
    ),
  )
  .map(([payload, edits]) => edits.reduce<string>((text, edit) => applyEdit(text, edit), JSON.stringify(payload)));
