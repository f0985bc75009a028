// Turns measured rounds into BENCHMARKS.md. Pure functions of their input (no clock, no I/O),
// so that the formatting is unit-tested and the file only changes when the numbers do.
import { ratios, summarize } from "./stats.mjs";

/**
 * @typedef {{ label: string, unit: "/s" | "ms" | "MiB", values: number[] }} Series
 * @typedef {{ op: ">=" | "<=", value: number }} Target
 * @typedef {{
 *   name: string,
 *   subject: Series,
 *   baseline: Series,
 *   target?: Target,
 *   note?: string,
 * }} Row
 *   A case against its baseline, both measured in the same rounds. For rates (`/s`) the ratio
 *   is subject / baseline rate (higher is better); for times (`ms`) it is subject / baseline
 *   time, the relative cost (lower is better).
 * @typedef {{ id: string, title: string, about: string, rows: Row[], notes?: string[] }} Section
 */

/**
 * A ratio as people read it: two significant digits below 1, two decimals up to 10, then one.
 *
 * @param {number} value
 * @returns {string}
 */
export function formatFactor(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 100) return `${value.toFixed(0)}x`;
  if (value >= 10) return `${value.toFixed(1)}x`;
  if (value >= 1) return `${value.toFixed(2)}x`;
  return `${value.toPrecision(2)}x`;
}

/**
 * A measured quantity with its unit: rates as `615k/s`, times as `12.3 ns`, `12.3 ms` or `1.42 s`.
 *
 * @param {number} value
 * @param {Series["unit"]} unit
 * @returns {string}
 */
export function formatQuantity(value, unit) {
  if (unit === "/s") {
    if (value >= 1e9) return `${(value / 1e9).toPrecision(3)}G/s`;
    if (value >= 1e6) return `${(value / 1e6).toPrecision(3)}M/s`;
    if (value >= 1e3) return `${(value / 1e3).toPrecision(3)}k/s`;
    return `${value.toPrecision(3)}/s`;
  }
  if (unit === "ms") {
    if (value >= 1000) return `${(value / 1000).toPrecision(3)} s`;
    if (value >= 1) return `${value.toPrecision(3)} ms`;
    if (value >= 0.001) return `${(value * 1000).toPrecision(3)} µs`;
    return `${(value * 1e6).toPrecision(3)} ns`;
  }
  return `${value.toPrecision(3)} ${unit}`;
}

/**
 * The ratio of one row, round by round, and its summary.
 *
 * @param {Row} row
 */
export function rowRatio(row) {
  if (row.subject.unit !== row.baseline.unit) {
    throw new Error(`${row.name}: subject in ${row.subject.unit}, baseline in ${row.baseline.unit}`);
  }
  return summarize(ratios(row.subject.values, row.baseline.values));
}

/**
 * Whether the median ratio meets the target: `met`, `not met`, or `-` without a target.
 *
 * @param {number} median
 * @param {Target | undefined} target
 * @returns {"met" | "not met" | "-"}
 */
export function verdict(median, target) {
  if (target === undefined) return "-";
  const met = target.op === ">=" ? median >= target.value : median <= target.value;
  return met ? "met" : "not met";
}

/**
 * `0.74x (0.70-0.79)`: the median ratio and its range over rounds.
 *
 * @param {{ median: number, min: number, max: number }} summary
 * @returns {string}
 */
export function formatRatio(summary) {
  return `${formatFactor(summary.median)} (${formatFactor(summary.min).slice(0, -1)}-${formatFactor(summary.max)})`;
}

/** @param {Row} row */
function kindOf(row) {
  return row.subject.unit === "/s" ? "rate" : "cost";
}

/** @param {Target | undefined} target */
function formatTarget(target) {
  return target === undefined ? "-" : `${target.op} ${formatFactor(target.value)}`;
}

/**
 * @param {Row} row
 * @param {boolean} withCase
 * @param {string} id
 */
function tableLine(row, withCase, id) {
  const summary = rowRatio(row);
  const cells = [
    ...(withCase ? [id] : []),
    row.name,
    `${row.subject.label}: ${formatQuantity(summarize(row.subject.values).median, row.subject.unit)}`,
    `${row.baseline.label}: ${formatQuantity(summarize(row.baseline.values).median, row.baseline.unit)}`,
    `${kindOf(row)} ${formatRatio(summary)}`,
    `IQR ${formatFactor(summary.q1).slice(0, -1)}-${formatFactor(summary.q3)}`,
    formatTarget(row.target),
    verdict(summary.median, row.target),
  ];
  return `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
}

/**
 * The whole of BENCHMARKS.md.
 *
 * @param {{
 *   machine: { cpu: string, cores: number, memoryGiB: number, node: string, os: string, load: string },
 *   date: string,
 *   durationMs: number,
 *   rounds: string,
 *   sections: Section[],
 *   notes: string[],
 *   rerun: string[],
 * }} report
 * @returns {string}
 */
export function renderReport(report) {
  const { machine } = report;
  const lines = [
    "# Benchmarks",
    "",
    "Written by `pnpm bench` (tooling/bench); do not edit by hand, run it again. Every case is a",
    "ratio against a named baseline measured in the same process and the same run (each case in a",
    "Node process of its own), case and baseline interleaved round by round in rotating order, so",
    "that a noisy neighbour slows both. Ratios are taken per round; the table gives the median over",
    "rounds, the range (min-max) and the interquartile range. `rate` ratios are case rate / baseline",
    "rate (higher is better); `cost` ratios are case time / baseline time (lower is better). A target",
    "is met when the median meets it. These are goals, not test assertions.",
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${machine.cpu}, ${machine.cores} cores |`,
    `| memory | ${machine.memoryGiB} GiB |`,
    `| Node | ${machine.node} |`,
    `| OS | ${machine.os} |`,
    `| load average at start (1, 5, 15 min) | ${machine.load} |`,
    `| date | ${report.date} |`,
    `| rounds | ${report.rounds} |`,
    `| whole run | ${formatQuantity(report.durationMs, "ms")} |`,
    "",
    "## Summary",
    "",
    "| case | measured | case (median) | baseline (median) | ratio: median (min-max) | spread | target | met |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const section of report.sections) {
    for (const row of section.rows) lines.push(tableLine(row, true, section.id));
  }
  for (const section of report.sections) {
    lines.push("", `## ${section.id}. ${section.title}`, "", section.about, "");
    lines.push(
      "| measured | case (median) | baseline (median) | ratio: median (min-max) | spread | target | met |",
      "|---|---|---|---|---|---|---|",
    );
    for (const row of section.rows) lines.push(tableLine(row, false, section.id));
    const notes = [
      ...section.rows.flatMap((row) => (row.note ? [`${row.name}: ${row.note}`] : [])),
      ...(section.notes ?? []),
    ];
    if (notes.length > 0) lines.push("", ...notes.map((note) => `- ${note}`));
  }
  if (report.notes.length > 0) lines.push("", "## Notes", "", ...report.notes.map((note) => `- ${note}`));
  lines.push("", "## Run it again", "", ...report.rerun, "");
  return lines.join("\n");
}
