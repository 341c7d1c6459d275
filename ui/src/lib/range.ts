// The shared time range: presets relative to the data (the demo has fixed past dates), or
// custom ISO bounds typed by the user and passed through unchanged.

import type { TimeRange } from "../api/types";

/** Range presets: everything, or the last N hours *of data* (ending at WorkspaceInfo.last). */
export type Preset = "all" | "1h" | "6h" | "24h" | "7d" | "custom";

export const PRESETS: { id: Preset; label: string; hours: number | null }[] = [
  { id: "all", label: "All data", hours: null },
  { id: "1h", label: "Last 1h", hours: 1 },
  { id: "6h", label: "Last 6h", hours: 6 },
  { id: "24h", label: "Last 24h", hours: 24 },
  { id: "7d", label: "Last 7d", hours: 24 * 7 },
];

export const ALL: TimeRange = { from: null, to: null };

/**
 * The range of a preset. `last` is the workspace's last data time; the range ends open (so the
 * last row is included) and starts `hours` before it. Without data, every preset is all data.
 */
export function presetRange(preset: Preset, last: string | null): TimeRange {
  const p = PRESETS.find((x) => x.id === preset);
  if (!p || p.hours === null || !last) return { ...ALL };
  const end = Date.parse(last);
  if (Number.isNaN(end)) return { ...ALL };
  return { from: new Date(end - p.hours * 3_600_000).toISOString(), to: null };
}

/** A custom range from two text inputs: blank is open; text is passed as typed (trimmed). */
export function customRange(from: string, to: string): TimeRange {
  const f = from.trim();
  const t = to.trim();
  return { from: f === "" ? null : f, to: t === "" ? null : t };
}
