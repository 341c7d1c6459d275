// Drawing helpers: where things go on screen. Scaling values to pixels is drawing, not
// analysis — nothing here produces a number that is shown as a figure.

/**
 * Polyline point lists for a sparkline: one `x,y` list per run of non-null values (a null
 * breaks the line). y is scaled from 0 to the series' largest value.
 */
export function sparklinePaths(values: (number | null)[], width: number, height: number, pad = 2): string[] {
  const n = values.length;
  if (n === 0) return [];
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  const w = width - pad * 2;
  const h = height - pad * 2;
  const x = (i: number) => pad + (n === 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v: number) => pad + h - (max > 0 ? (v / max) * h : 0);
  const runs: string[] = [];
  let cur: string[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) runs.push(cur.join(" "));
      cur = [];
    } else {
      cur.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    }
  });
  if (cur.length) runs.push(cur.join(" "));
  // A lone point draws nothing as a polyline: give it a tiny horizontal extent.
  return runs.map((r) => (r.includes(" ") ? r : `${r} ${r.replace(/^([\d.]+)/, (m) => (Number(m) + 1).toFixed(1))}`));
}

/** One coloured arc of a ring: stroke-dasharray / -dashoffset on a circle of radius `r`. */
export type Arc = { color: string; dasharray: string; dashoffset: string; key: string };

/**
 * Ring arcs for shares (each 0..1, in order), clockwise from 12 o'clock when the circle is
 * rotated by -90°. Zero shares draw nothing.
 */
export function ringArcs(shares: { key: string; share: number; color: string }[], r: number): Arc[] {
  const c = 2 * Math.PI * r;
  const arcs: Arc[] = [];
  let at = 0;
  for (const s of shares) {
    if (!(s.share > 0)) continue;
    const len = Math.min(1, s.share) * c;
    arcs.push({
      key: s.key,
      color: s.color,
      dasharray: `${len.toFixed(2)} ${(c - len).toFixed(2)}`,
      dashoffset: (-at).toFixed(2),
    });
    at += len;
  }
  return arcs;
}

/**
 * A smooth SVG path through points, left to right: cubic curves with horizontal tangents, so
 * edges leave and enter nodes sideways.
 */
export function smoothPath(points: [number, number][]): string {
  if (points.length === 0) return "";
  let d = `M${points[0][0].toFixed(1)},${points[0][1].toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const dx = (x1 - x0) / 2;
    d += ` C${(x0 + dx).toFixed(1)},${y0.toFixed(1)} ${(x1 - dx).toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`;
  }
  return d;
}
