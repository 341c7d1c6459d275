// Hash routes: `#/overview`, `#/investigate/<id>`, … (hash routing works from files under
// Tauri and from `/` under `skylens serve`).

export type Screen =
  | "overview"
  | "service-map"
  | "cold-starts"
  | "latency"
  | "spend"
  | "investigate"
  | "sources";

export const SCREENS: { id: Screen; label: string }[] = [
  { id: "overview", label: "Overview" },
  { id: "service-map", label: "Service map" },
  { id: "cold-starts", label: "Cold starts" },
  { id: "latency", label: "Latency" },
  { id: "spend", label: "Spend" },
  { id: "investigate", label: "Investigate" },
  { id: "sources", label: "Sources" },
];

/** The route in a location hash; unknown or empty hashes go to the overview. */
export function parseHash(hash: string): { screen: Screen; arg: string } {
  const h = hash.replace(/^#\/?/, "");
  const slash = h.indexOf("/");
  const name = slash < 0 ? h : h.slice(0, slash);
  let arg = slash < 0 ? "" : h.slice(slash + 1);
  try {
    arg = decodeURIComponent(arg);
  } catch {
    // keep it as typed
  }
  const screen = SCREENS.find((s) => s.id === name)?.id ?? "overview";
  return { screen, arg: screen === name ? arg : "" };
}

/** The hash of a screen, with an optional argument (an ID to investigate). */
export function href(screen: Screen, arg?: string | null): string {
  return arg ? `#/${screen}/${encodeURIComponent(arg)}` : `#/${screen}`;
}

export const route = $state(parseHash(typeof location === "undefined" ? "" : location.hash));

/** Follow the address bar's hash. */
export function startRouter(): void {
  const update = () => Object.assign(route, parseHash(location.hash));
  window.addEventListener("hashchange", update);
  update();
}
