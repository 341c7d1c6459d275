// Request builders: the generated types have every field (Option → `T | null`), so requests
// are built here with the defaults spelled out.

import type { ChartRequest, ImageKind, ReportRequest, TimeRange } from "../api/types";

/** Options of a report besides its name and range. */
export type ReportOptions = Partial<Omit<ReportRequest, "name" | "range">>;

export function reportRequest(name: string, range: TimeRange, opts: ReportOptions = {}): ReportRequest {
  return {
    name,
    range: { from: range.from, to: range.to },
    bucket: opts.bucket ?? null,
    by: opts.by ?? null,
    metric: opts.metric ?? null,
    bin_ms: opts.bin_ms ?? null,
  };
}

export function chartRequest(
  name: string,
  format: ImageKind,
  range: TimeRange,
  opts: ReportOptions = {},
): ChartRequest {
  return { name, format, options: reportRequest(name, range, opts) };
}
