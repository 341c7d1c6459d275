// Number and time formatting (display only; exact values stay in data-value).

import { describe, expect, it } from "vitest";
import { formatCell, formatMs, formatMsCompact, formatNumber, formatPercent, formatTime, formatUsd, rawCell } from "../src/lib/format";
import { customRange, presetRange } from "../src/lib/range";
import { href, parseHash } from "../src/lib/router.svelte";

describe("numbers", () => {
  it("groups integers exactly", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1991)).toBe("1,991");
    expect(formatNumber(33948)).toBe("33,948");
    expect(formatNumber(-1234567)).toBe("-1,234,567");
  });

  it("rounds other numbers for display: 3 decimals from 1, else 4 significant digits", () => {
    expect(formatNumber(55029.025)).toBe("55,029.025");
    expect(formatNumber(1160.269)).toBe("1,160.269");
    expect(formatNumber(950.834633)).toBe("950.835");
    expect(formatNumber(3.8044170938)).toBe("3.804");
    expect(formatNumber(0.000144)).toBe("0.000144");
    expect(formatNumber(0.0006755)).toBe("0.0006755");
    expect(formatNumber(0.411547)).toBe("0.4115");
  });

  it("shows missing values as a dash", () => {
    expect(formatNumber(null)).toBe("—");
    expect(formatMs(null)).toBe("—");
    expect(formatUsd(undefined)).toBe("—");
  });

  it("formats shares, dollars and durations", () => {
    expect(formatPercent(0.05)).toBe("5%");
    expect(formatPercent(0.009623)).toBe("0.96%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.0004)).toBe("0.04%");
    expect(formatUsd(0.6846)).toBe("$0.6846");
    expect(formatUsd(4.3973529572)).toBe("$4.40");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatMs(208.216)).toBe("208.216 ms");
    expect(formatMs(6000)).toBe("6,000 ms");
    expect(formatMs(55029.025)).toBe("55.03 s");
    expect(formatMsCompact(1419.04)).toBe("1,419 ms");
    expect(formatMsCompact(71.052)).toBe("71.1 ms");
    expect(formatMsCompact(null)).toBe("—");
  });
});

describe("times", () => {
  it("shows ISO-8601 UTC without T and Z, with no zone conversion", () => {
    expect(formatTime("2026-10-03T15:35:23.889Z")).toBe("2026-10-03 15:35:23.889");
    expect(formatTime("2026-10-03T00:00:00Z")).toBe("2026-10-03 00:00:00");
    expect(formatTime("2026-10-03T00:00:00+00:00")).toBe("2026-10-03 00:00:00");
    expect(formatTime("not a time")).toBe("not a time");
    expect(formatTime(null)).toBe("—");
  });
});

describe("cells", () => {
  it("formats by kind and column", () => {
    expect(formatCell(0.02009, "number", "error_rate")).toBe("2.01%");
    expect(formatCell(1991, "number", "invocations")).toBe("1,991");
    expect(formatCell(true, "bool", "cold")).toBe("yes");
    expect(formatCell("2026-10-03T15:35:23.889Z", "time", "start")).toBe("2026-10-03 15:35:23.889");
    expect(formatCell("<b>x</b>", "text", "function")).toBe("<b>x</b>");
    expect(formatCell(null, "number", "p99_ms")).toBe("—");
  });

  it("keeps the exact value for data-value", () => {
    expect(rawCell(1160.269)).toBe("1160.269");
    expect(rawCell(0.000144)).toBe("0.000144");
    expect(rawCell(null)).toBe("");
  });
});

describe("ranges and routes", () => {
  it("places presets before the data's last time, ending open", () => {
    expect(presetRange("1h", "2026-10-09T23:59:59.500Z")).toEqual({ from: "2026-10-09T22:59:59.500Z", to: null });
    expect(presetRange("7d", "2026-10-09T12:00:00Z")).toEqual({ from: "2026-10-02T12:00:00.000Z", to: null });
    expect(presetRange("all", "2026-10-09T12:00:00Z")).toEqual({ from: null, to: null });
    expect(presetRange("24h", null)).toEqual({ from: null, to: null });
  });

  it("passes custom bounds through, blanks open", () => {
    expect(customRange(" 2026-10-03 ", "")).toEqual({ from: "2026-10-03", to: null });
  });

  it("parses and builds hash routes", () => {
    expect(parseHash("#/latency")).toEqual({ screen: "latency", arg: "" });
    expect(parseHash("")).toEqual({ screen: "overview", arg: "" });
    expect(parseHash("#/nope/x")).toEqual({ screen: "overview", arg: "" });
    const id = "Root=1-6ac120bb-64c21bb0e770a6552ab66ea1;Parent=53995c3f42cd8ad8";
    expect(href("investigate", id)).toBe(`#/investigate/${encodeURIComponent(id)}`);
    expect(parseHash(href("investigate", id))).toEqual({ screen: "investigate", arg: id });
  });
});
