// The waterfall keeps the DOM small at 10k rows: only the visible window (plus overscan) is
// rendered, and scrolling moves the window. Log text renders as text.

import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { WaterfallRow } from "../src/api/types";
import Waterfall from "../src/components/Waterfall.svelte";

// jsdom has no layout and no ResizeObserver (used by bind:clientHeight): a no-op stand-in,
// so the component falls back to its configured height.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

function rows(n: number): WaterfallRow[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: i % 3 === 0 ? "log" : "subsegment",
    depth: i % 4,
    name: `span-${i}`,
    service: "orders",
    offset_ms: i,
    duration_ms: i % 3 === 0 ? null : 5,
    status: i % 3 === 0 ? "ERROR" : "ok",
    detail: i === 0 ? "<img src=x onerror=alert(1)>" : `message ${i}`,
    ts: null,
    trace_id: null,
    request_id: null,
  }));
}

describe("Waterfall", () => {
  it("renders a window of 10k rows and follows the scroll", () => {
    const target = document.createElement("div");
    document.body.appendChild(target);
    const c = mount(Waterfall, { target, props: { rows: rows(10_000), totalMs: 10_005, height: 480 } });
    flushSync();
    cleanup = () => unmount(c);

    const rendered = () => [...target.querySelectorAll('[data-testid="wf-row"]')].map((r) => Number(r.getAttribute("data-index")));
    const first = rendered();
    expect(first[0]).toBe(0);
    expect(first.length).toBeLessThan(60); // 20 visible + overscan, not 10,000
    expect(target.querySelector("img")).toBeNull();
    expect(target.textContent).toContain("<img src=x onerror=alert(1)>");

    const scroller = target.querySelector('[data-testid="wf-scroll"]') as HTMLElement;
    scroller.scrollTop = 5000 * 24;
    scroller.dispatchEvent(new Event("scroll"));
    flushSync();
    const later = rendered();
    expect(later.length).toBeLessThan(60);
    expect(later).toContain(5000);
    expect(later[0]).toBeGreaterThan(4900);
  });
});
