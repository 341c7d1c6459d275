// The virtual list's window arithmetic.

import { describe, expect, it } from "vitest";
import { scrollToRow, visibleWindow } from "../src/lib/virtual";

describe("visibleWindow", () => {
  it("renders the first screenful plus overscan at the top", () => {
    expect(visibleWindow(0, 240, 24, 10_000, 5)).toEqual({ start: 0, end: 15, offsetTop: 0, totalHeight: 240_000 });
  });

  it("follows the scroll position", () => {
    // Row 100 starts at 2400 px; 10 rows fit; 5 rows of overscan each side.
    expect(visibleWindow(2400, 240, 24, 10_000, 5)).toEqual({ start: 95, end: 115, offsetTop: 95 * 24, totalHeight: 240_000 });
    // Half a row scrolled: the partly visible row counts.
    const w = visibleWindow(2412, 240, 24, 10_000, 0);
    expect([w.start, w.end]).toEqual([100, 111]);
  });

  it("clamps at the end, also when scrolled past it", () => {
    const end = visibleWindow(240_000 - 240, 240, 24, 10_000, 5);
    expect([end.start, end.end]).toEqual([9985, 10_000]);
    expect(visibleWindow(10_000_000, 240, 24, 10_000, 5)).toEqual(end);
  });

  it("renders at most a window's worth of 10k rows", () => {
    for (const top of [0, 1234, 50_000, 123_456, 239_760]) {
      const w = visibleWindow(top, 520, 24, 10_000, 12);
      expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(520 / 24) + 1 + 24);
      expect(w.offsetTop).toBe(w.start * 24);
    }
  });

  it("handles short and empty lists and negative scroll", () => {
    expect(visibleWindow(0, 500, 24, 3, 8)).toEqual({ start: 0, end: 3, offsetTop: 0, totalHeight: 72 });
    expect(visibleWindow(0, 500, 24, 0, 8)).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
    expect(visibleWindow(-50, 100, 10, 100, 0)).toMatchObject({ start: 0, end: 10 });
  });
});

describe("scrollToRow", () => {
  it("scrolls only as far as needed", () => {
    expect(scrollToRow(5, 0, 240, 24)).toBe(0); // visible
    expect(scrollToRow(20, 0, 240, 24)).toBe(21 * 24 - 240); // below: bottom-aligned
    expect(scrollToRow(2, 480, 240, 24)).toBe(48); // above: top-aligned
  });
});
