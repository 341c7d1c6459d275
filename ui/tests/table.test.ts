// Untrusted text renders as text: a Table cell holding markup shows the markup literally and
// creates no element. Also the CSV fallback's spreadsheet neutralisation and base64 helpers.

import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { Table as TableT } from "../src/api/types";
import Table from "../src/components/Table.svelte";
import { base64ToBytes, chartToFile, textToBase64 } from "../src/lib/files";

const evil = "<img src=x onerror=alert(1)>";

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
  document.body.innerHTML = "";
});

function render(table: TableT, props: Record<string, unknown> = {}) {
  const target = document.createElement("div");
  document.body.appendChild(target);
  const c = mount(Table, { target, props: { table, ...props } });
  flushSync();
  cleanup = () => unmount(c);
  return target;
}

describe("Table", () => {
  it("renders a cell with markup as text", () => {
    const t: TableT = {
      name: "latency",
      columns: ["function", "p99_ms", "note"],
      kinds: ["text", "number", "text"],
      rows: [[evil, 1160.2694, "<script>alert(2)</script>"]],
    };
    const el = render(t);
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("td script")).toBeNull();
    const cells = [...el.querySelectorAll("tbody td")];
    expect(cells[0].textContent?.trim()).toBe(evil);
    expect(cells[2].textContent?.trim()).toBe("<script>alert(2)</script>");
    // Numbers: formatted for display, exact in data-value, right-aligned.
    expect(cells[1].textContent?.trim()).toBe("1,160.269");
    expect(cells[1].getAttribute("data-value")).toBe("1160.2694");
    expect(cells[1].classList.contains("num")).toBe(true);
    expect(el.querySelector('[data-testid="table-latency"]')).not.toBeNull();
  });

  it("renders markup in a link column as text, with a safe hash link", () => {
    const t: TableT = { name: "slowest-invocations", columns: ["request_id"], kinds: ["text"], rows: [[evil]] };
    const el = render(t, { links: { request_id: (v: string) => `#/investigate/${encodeURIComponent(v)}` } });
    expect(el.querySelector("img")).toBeNull();
    const a = el.querySelector("tbody a")!;
    expect(a.textContent).toBe(evil);
    expect(a.getAttribute("href")).toBe(`#/investigate/${encodeURIComponent(evil)}`);
  });

  it("shows the first rows and offers the rest", () => {
    const t: TableT = { name: "x", columns: ["n"], kinds: ["number"], rows: Array.from({ length: 30 }, (_, i) => [i]) };
    const el = render(t, { limit: 10 });
    expect(el.querySelectorAll("tbody tr").length).toBe(10);
    (el.querySelector('[data-testid="show-all"]') as HTMLButtonElement).click();
    flushSync();
    expect(el.querySelectorAll("tbody tr").length).toBe(30);
  });
});

describe("files", () => {
  it("encodes SVG text as UTF-8 base64 and keeps PNG base64", () => {
    const svg = { name: "latency", mime: "image/svg+xml", width: 1, height: 1, rows: 1, data: "<svg>é</svg>", filename: "latency.svg" };
    const f = chartToFile(svg);
    expect(f.filename).toBe("latency.svg");
    expect(new TextDecoder().decode(base64ToBytes(f.base64))).toBe("<svg>é</svg>");
    const png = { ...svg, mime: "image/png", data: "iVBORw0KGgo=", filename: "latency.png" };
    expect(chartToFile(png).base64).toBe("iVBORw0KGgo=");
    expect(textToBase64("abc")).toBe("YWJj");
  });
});
