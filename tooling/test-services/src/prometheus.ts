// A strict enough reader of the Prometheus text format 0.0.4, for the metrics tests of adapter-http
// and lom: every line is blank, a `# HELP` / `# TYPE` comment, or a sample of a family typed before
// it; anything else throws.

/** One sample of a scrape. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape: each family's type and every sample. */
export interface Scrape {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The sum of the samples named `name` whose labels include `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?[0-9]+)?$`);
/** A value as Prometheus reads it (Go's ParseFloat): a decimal, or Inf / NaN in any case (prom-client writes `Nan`). */
const VALUE = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES = ["", "_bucket", "_sum", "_count", "_total", "_created"];

/** Parses a scrape, or throws naming the first line that is not the Prometheus text format. */
export function parsePrometheus(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split("\n").forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const comment = new RegExp(`^# (HELP|TYPE) (${NAME})(?: (.*))?$`).exec(line);
      if (comment === null) throw new Error(`${where}: a comment that is not # HELP or # TYPE`);
      if (comment[1] === "TYPE") {
        if (!TYPES.has(comment[3] ?? "")) throw new Error(`${where}: unknown type`);
        types.set(comment[2] as string, comment[3] as string);
      }
      return;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null || !VALUE.test(sample[3] as string)) throw new Error(`${where}: not a sample`);
    const [, name, labelText = "", value] = sample as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (label === null) throw new Error(`${where}: malformed labels`);
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const typed = SUFFIXES.some(
      (suffix) => name.endsWith(suffix) && types.has(name.slice(0, name.length - suffix.length)),
    );
    if (!typed) throw new Error(`${where}: a sample before its family's # TYPE`);
    const special = value.replace(/^[+-]/, "").toLowerCase();
    const number =
      special === "nan"
        ? Number.NaN
        : special.startsWith("inf")
          ? (value.startsWith("-") ? -1 : 1) * Number.POSITIVE_INFINITY
          : Number(value);
    samples.push({ name, labels, value: number });
  });
  return {
    types,
    samples,
    value: (name, wanted = {}) =>
      samples
        .filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0),
  };
}
