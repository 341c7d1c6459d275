// Formatting only: every function here turns one backend value into text. Nothing is summed,
// averaged or derived from several values (the backend computes; the UI lays out).

import type { ColumnKind } from "../api/types";

/** A table cell as the backend sends it. */
export type Cell = string | number | boolean | null;

/** Shown for a missing value (JSON null). */
export const MISSING = "—";

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const fmtCache = new Map<string, Intl.NumberFormat>();

function nf(opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(opts);
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat("en-US", opts);
    fmtCache.set(key, f);
  }
  return f;
}

/**
 * A number for people: thousands separators; integers stay exact; other numbers show at most
 * 3 decimals from 1 (as the CLI prints latencies), else 4 significant digits. The exact value
 * is kept by the caller (tables put it in `data-value` and `title`).
 */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return grouped.format(v);
  if (Math.abs(v) >= 1) return nf({ maximumFractionDigits: 3 }).format(v);
  return nf({ maximumSignificantDigits: 4 }).format(v);
}

/** A share (0..1) as a percentage: `0.0201` → `2.01%`. */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0%";
  if (v === 1) return "100%";
  const p = v * 100;
  return `${nf({ maximumFractionDigits: Math.abs(p) < 0.1 ? 3 : 2 }).format(p)}%`;
}

/** US dollars: cents from $1, else 4 significant digits (Lambda costs are tiny). */
export function formatUsd(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const body =
    a >= 1 || v === 0
      ? nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(a)
      : nf({ maximumSignificantDigits: 4 }).format(a);
  return `${v < 0 ? "-" : ""}$${body}`;
}

/** A duration in ms: `12.3 ms`, `1,160.27 ms`, and seconds from 10 s (`55.03 s`). */
export function formatMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 10_000) return `${nf({ maximumFractionDigits: 2 }).format(v / 1000)} s`;
  return `${formatNumber(v)} ms`;
}

/** A duration in ms, compact for labels on drawings: whole ms from 100 ms (`1,419 ms`), else one
 * decimal (`71.1 ms`). Exact values stay in the drawing's data attributes. */
export function formatMsCompact(v: number | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  if (!Number.isFinite(v)) return String(v);
  return `${nf({ maximumFractionDigits: Math.abs(v) >= 100 ? 0 : 1 }).format(v)} ms`;
}

/**
 * An ISO-8601 UTC time as `2026-10-03 15:35:23.889` (UTC; the `T` and `Z` dropped). Purely
 * textual, so no time-zone conversion can creep in; other text is returned unchanged.
 */
export function formatTime(v: string | null | undefined): string {
  if (v === null || v === undefined) return MISSING;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]00:?00)?$/.exec(v);
  return m ? `${m[1]} ${m[2]}` : v;
}

/** Whether a column holds a share (0..1) shown as a percentage. */
export function isRateColumn(column: string): boolean {
  return column.endsWith("_rate") || column === "rate";
}

/** One table cell as text, by its column kind and name. */
export function formatCell(v: Cell, kind: ColumnKind, column: string): string {
  if (v === null || v === undefined) return MISSING;
  switch (kind) {
    case "number":
      if (typeof v !== "number") return String(v);
      if (isRateColumn(column)) return formatPercent(v);
      return formatNumber(v);
    case "bool":
      return typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
    case "time":
      return typeof v === "string" ? formatTime(v) : String(v);
    default:
      return String(v);
  }
}

/** The exact value of a cell as text (for `data-value` / `title`): JSON's own spelling. */
export function rawCell(v: Cell): string {
  return v === null || v === undefined ? "" : String(v);
}

/** A column name for a header: `p99_ms` → `p99 ms`. */
export function columnLabel(column: string): string {
  return column.replace(/_/g, " ");
}

/** A frame / file size count: `33,948`. */
export function formatCount(v: number | null | undefined): string {
  return formatNumber(v);
}
