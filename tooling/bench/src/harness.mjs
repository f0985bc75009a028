// The measuring loop. Every case is measured beside its baseline in the same rounds, in an order
// that rotates round by round, so that drift (a neighbour's build, a GC-heavy phase, CPU
// frequency) lands on both sides instead of on one.

/** @typedef {{ label: string, sample: () => number | Promise<number> }} Sampler */

/** Results are kept here so that the optimiser cannot drop a call whose result is unused. */
export const sink = { last: /** @type {unknown} */ (undefined) };

let loops = 0;

/**
 * The rate of a synchronous operation, in operations per second over `ms` milliseconds per
 * sample. `fn(i)` gets a running index, to cycle through inputs.
 *
 * Each sampler gets a loop of its own (a fresh function body, so that V8 keeps separate type
 * feedback per loop): a loop shared by every operation would turn megamorphic and add the
 * same few nanoseconds of call overhead to a `Map.get` and to a validation, flattening ratios.
 *
 * @param {string} label
 * @param {(i: number) => unknown} fn
 * @param {{ ms: number }} options
 * @returns {Sampler}
 */
export function rate(label, fn, { ms }) {
  loops += 1;
  const loop = /** @type {(fn: (i: number) => unknown, start: number, n: number) => unknown} */ (
    new Function(
      "fn",
      "start",
      "n",
      `"use strict"; /* loop ${loops} */ let last; for (let i = 0; i < n; i++) last = fn(start + i); return last;`,
    )
  );
  let batch = 0;
  let index = 0;
  const calibrate = () => {
    // Batches of at least ~1 ms keep the clock reads out of the measure.
    batch = 1;
    for (;;) {
      const start = performance.now();
      sink.last = loop(fn, index, batch);
      index += batch;
      if (performance.now() - start >= 1 || batch >= 1 << 22) return;
      batch *= 2;
    }
  };
  return {
    label,
    sample() {
      if (batch === 0) calibrate();
      let done = 0;
      const start = performance.now();
      let now = start;
      while (now - start < ms) {
        sink.last = loop(fn, index, batch);
        index += batch;
        done += batch;
        now = performance.now();
      }
      return (done * 1000) / (now - start);
    },
  };
}

/**
 * The time one run of `fn` takes, in milliseconds: the mean of `repeat` runs in a row (for
 * operations too short to time alone, such as one file commit).
 *
 * @param {string} label
 * @param {() => unknown | Promise<unknown>} fn
 * @param {{ repeat?: number }} [options]
 * @returns {Sampler}
 */
export function duration(label, fn, { repeat = 1 } = {}) {
  return {
    label,
    async sample() {
      const start = performance.now();
      for (let i = 0; i < repeat; i++) sink.last = await fn();
      return (performance.now() - start) / repeat;
    },
  };
}

/**
 * Runs every sampler once per round, after `warmup` unrecorded rounds (JIT, caches, page
 * cache). The order rotates each round, so each sampler goes first as often as the others.
 *
 * @param {readonly Sampler[]} samplers
 * @param {{ rounds: number, warmup?: number, onRound?: (round: number) => void }} options
 * @returns {Promise<number[][]>} one series per sampler, in the order given
 */
export async function interleave(samplers, { rounds, warmup = 1, onRound }) {
  const series = samplers.map(() => /** @type {number[]} */ ([]));
  for (let round = -warmup; round < rounds; round++) {
    const shift = ((round % samplers.length) + samplers.length) % samplers.length;
    for (let k = 0; k < samplers.length; k++) {
      const index = (k + shift) % samplers.length;
      const value = await /** @type {Sampler} */ (samplers[index]).sample();
      if (round >= 0) /** @type {number[]} */ (series[index]).push(value);
    }
    if (round >= 0) onRound?.(round);
  }
  return series;
}
