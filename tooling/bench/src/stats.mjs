// Summaries of a few rounds of measurements. Machines here are shared and noisy: a single
// number says little, so every figure is a median with its spread over rounds.

/**
 * The q-quantile (0..1) of `values` by linear interpolation between closest ranks (the
 * definition of numpy's default and of R's type 7), so that medians of even counts are the
 * mean of the two middle values.
 *
 * @param {readonly number[]} values
 * @param {number} q
 * @returns {number}
 */
export function quantile(values, q) {
  if (values.length === 0) throw new Error("quantile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = /** @type {number} */ (sorted[below]);
  const high = /** @type {number} */ (sorted[above]);
  return low + (high - low) * (position - below);
}

/**
 * Median, quartiles and range of a series.
 *
 * @param {readonly number[]} values
 * @returns {{ median: number, q1: number, q3: number, min: number, max: number, n: number }}
 */
export function summarize(values) {
  return {
    median: quantile(values, 0.5),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

/**
 * Per-round ratios of two series measured in the same rounds. Ratios are taken round by round
 * (not of the two medians) so that a slow round, which slows case and baseline alike, cancels.
 *
 * @param {readonly number[]} subject
 * @param {readonly number[]} baseline
 * @returns {number[]}
 */
export function ratios(subject, baseline) {
  if (subject.length !== baseline.length) throw new Error("ratios of series of different lengths");
  return subject.map((value, index) => value / /** @type {number} */ (baseline[index]));
}
