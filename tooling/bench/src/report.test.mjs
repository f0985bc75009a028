import { describe, expect, it } from "vitest";
import { formatFactor, formatQuantity, formatRatio, renderReport, rowRatio, verdict } from "./report.mjs";
import { quantile, ratios, summarize } from "./stats.mjs";

describe("statistics", () => {
  it("interpolates quantiles between closest ranks, whatever the order given", () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10, 20], 0.25)).toBe(12.5);
  });

  it("takes ratios round by round, not of the medians", () => {
    // A slow second round slows both sides: per-round ratios stay 2.
    expect(ratios([20, 10, 20], [10, 5, 10])).toEqual([2, 2, 2]);
    expect(() => ratios([1, 2], [1])).toThrow();
  });

  it("summarizes median, quartiles and range", () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ median: 3, q1: 2, q3: 4, min: 1, max: 5, n: 5 });
  });
});

describe("formatting", () => {
  it("writes ratios with two significant digits below 1, two decimals to 10, one beyond", () => {
    expect(formatFactor(0.0523)).toBe("0.052x");
    expect(formatFactor(0.74)).toBe("0.74x");
    expect(formatFactor(2.414)).toBe("2.41x");
    expect(formatFactor(12.34)).toBe("12.3x");
    expect(formatFactor(312.6)).toBe("313x");
  });

  it("writes a ratio with its range over rounds", () => {
    expect(formatRatio({ median: 0.74, min: 0.7, max: 0.79 })).toBe("0.74x (0.70-0.79x)");
    expect(formatRatio({ median: 2.9, min: 1.8, max: 12.5 })).toBe("2.90x (1.80-12.5x)");
  });

  it("writes rates and times in readable units", () => {
    expect(formatQuantity(615_000, "/s")).toBe("615k/s");
    expect(formatQuantity(1_830_000, "/s")).toBe("1.83M/s");
    expect(formatQuantity(812, "/s")).toBe("812/s");
    expect(formatQuantity(1420, "ms")).toBe("1.42 s");
    expect(formatQuantity(12.34, "ms")).toBe("12.3 ms");
    expect(formatQuantity(0.0123, "ms")).toBe("12.3 µs");
    expect(formatQuantity(0.0000391, "ms")).toBe("39.1 ns");
    expect(formatQuantity(134.2, "MiB")).toBe("134 MiB");
  });
});

describe("verdicts", () => {
  it("judges the median against the target in its direction", () => {
    expect(verdict(2.1, { op: ">=", value: 2 })).toBe("met");
    expect(verdict(1.9, { op: ">=", value: 2 })).toBe("not met");
    expect(verdict(1.5, { op: "<=", value: 1.5 })).toBe("met");
    expect(verdict(1.6, { op: "<=", value: 1.5 })).toBe("not met");
    expect(verdict(1.6, undefined)).toBe("-");
  });

  it("refuses to divide a rate by a time", () => {
    const row = {
      name: "mixed",
      subject: { label: "a", unit: /** @type {const} */ ("/s"), values: [1] },
      baseline: { label: "b", unit: /** @type {const} */ ("ms"), values: [1] },
    };
    expect(() => rowRatio(row)).toThrow(/subject in \/s, baseline in ms/);
  });
});

describe("renderReport", () => {
  const report = renderReport({
    machine: { cpu: "CPU X", cores: 2, memoryGiB: 24, node: "v20.20.2", os: "Linux 6", load: "1.00, 1.00, 1.00" },
    date: "2026-01-01T00:00:00.000Z",
    durationMs: 123_000,
    rounds: "5",
    sections: [
      {
        id: "1",
        title: "Validation",
        about: "What is measured.",
        rows: [
          {
            name: "envelope vs JSON.parse",
            subject: { label: "envelope", unit: "/s", values: [300, 200, 400] },
            baseline: { label: "JSON.parse", unit: "/s", values: [100, 100, 100] },
            target: { op: ">=", value: 2 },
          },
          {
            name: "session vs validation | alone",
            subject: { label: "start()", unit: "ms", values: [30, 36] },
            baseline: { label: "validation", unit: "ms", values: [20, 20] },
            target: { op: "<=", value: 1.5 },
            note: "a note",
          },
        ],
      },
    ],
    notes: ["not ours: something"],
    rerun: ["pnpm bench"],
  });

  it("puts each row in the summary with both medians, the ratio, its spread, the target and the verdict", () => {
    expect(report).toContain(
      "| 1 | envelope vs JSON.parse | envelope: 300/s | JSON.parse: 100/s | rate 3.00x (2.00-4.00x) | IQR 2.50-3.50x | >= 2.00x | met |",
    );
    // Times: the ratio is a cost; a pipe in a name cannot break the table.
    expect(report).toContain(
      "| 1 | session vs validation \\| alone | start(): 33.0 ms | validation: 20.0 ms | cost 1.65x (1.50-1.80x) | IQR 1.57-1.73x | <= 1.50x | not met |",
    );
  });

  it("describes the machine and the run, and says how to run it again", () => {
    expect(report).toContain("| CPU | CPU X, 2 cores |");
    expect(report).toContain("| Node | v20.20.2 |");
    expect(report).toContain("| whole run | 123 s |");
    expect(report).toContain("- session vs validation | alone: a note");
    expect(report).toContain("## Notes\n\n- not ours: something");
    expect(report.endsWith("## Run it again\n\npnpm bench\n")).toBe(true);
  });
});
