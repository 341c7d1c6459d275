// Shared UI state: the backend, the time range every screen uses, the workspace summary, and a
// version counter bumped when the data changes (after a demo, an import or a pull) so screens
// reload.

import type { Backend } from "../api/backend";
import { toWireError } from "../api/backend";
import type { TimeRange, WireError, WorkspaceInfo } from "../api/types";
import { presetRange, type Preset } from "./range";

let current: Backend | null = null;

/** Set the backend (once, at startup; tests may set a fake). */
export function setBackend(b: Backend): void {
  current = b;
}

/** The backend in use. */
export function backend(): Backend {
  if (!current) throw new Error("backend not initialised");
  return current;
}

export const app = $state({
  /** The selected preset (`custom`: `range` was typed). */
  preset: "all" as Preset,
  /** The range passed to every call. */
  range: { from: null, to: null } as TimeRange,
  /** What the workspace holds (null until loaded). */
  info: null as WorkspaceInfo | null,
  /** Why `info` could not be loaded. */
  infoError: null as WireError | null,
  /** Bumped when the workspace's data changed. */
  version: 0,
});

/** Choose a preset; its range follows the workspace's last data time. */
export function setPreset(p: Preset): void {
  app.preset = p;
  if (p !== "custom") app.range = presetRange(p, app.info?.last ?? null);
}

/** Use a typed range. */
export function setCustomRange(r: TimeRange): void {
  app.preset = "custom";
  app.range = r;
}

/** Reload the workspace summary (and re-derive a preset's range from its last time). */
export async function refreshInfo(): Promise<void> {
  try {
    app.info = await backend().workspace_info();
    app.infoError = null;
    if (app.preset !== "custom") {
      const r = presetRange(app.preset, app.info.last);
      if (r.from !== app.range.from || r.to !== app.range.to) app.range = r;
    }
  } catch (e) {
    app.infoError = toWireError(e);
  }
}

/** The data changed: reload the summary, then every screen. */
export async function dataChanged(): Promise<void> {
  await refreshInfo();
  app.version++;
}
