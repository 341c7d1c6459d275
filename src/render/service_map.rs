//! The service map: nodes in layers from the client, left to right; each node with a health
//! ring (shares of ok, 4xx, throttled and 5xx requests, as in the X-Ray console), each edge
//! with its requests and p99 latency, failing edges in red.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use polars::prelude::DataFrame;

use super::layout::{Layout, Slot, layout};
use super::{
    ChartOptions, Drawn, HEADER_H, INK, MUTED, OrDrawn, Swatch, WIDTH, clean_label, fmt_int,
    fmt_ms, frames, header, legend, no_data, text_style, window_text,
};
use crate::error::Result;

const COL_W: i32 = 340;
/// Edges leave and enter nodes horizontally for this far, clear of the node labels.
const STUB: i32 = 112;
const ROW_H: i32 = 132;
const R: i32 = 24;
const RING: i32 = 7;
const SIDE: i32 = 140;
const LEGEND_H: i32 = 64;
const LANE_H: i32 = 16;

const OK: RGBColor = RGBColor(44, 160, 44);
const ERROR: RGBColor = RGBColor(255, 127, 14);
const THROTTLE: RGBColor = RGBColor(148, 103, 189);
const FAULT: RGBColor = RGBColor(214, 39, 40);
const NO_DATA: RGBColor = RGBColor(189, 189, 189);
const EDGE_OK: RGBColor = RGBColor(140, 146, 153);
const EDGE_SOME: RGBColor = RGBColor(230, 120, 0);
const EDGE_FAILING: RGBColor = RGBColor(200, 30, 30);
/// An edge or node with at least this share of failed requests is failing.
pub const FAILING_SHARE: f64 = 0.01;

/// A node of the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapNode {
    /// Service name.
    pub service: String,
    /// Node type (`client`, `AWS::Lambda::Function`, `remote`, …).
    pub kind: String,
    /// Requests, errors (4xx, throttles included), faults (5xx), throttles (429).
    pub counts: Option<[f64; 4]>,
    /// p50 and p99 latency, ms.
    pub p50_ms: Option<f64>,
    /// p99 latency, ms.
    pub p99_ms: Option<f64>,
    /// Shares of requests: ok, error (not throttled), throttle, fault.
    pub shares: Option<[f64; 4]>,
}

/// An edge of the map (a call from one node to another).
#[derive(Debug, Clone, PartialEq)]
pub struct MapEdge {
    /// Source node index.
    pub source: usize,
    /// Target node index.
    pub target: usize,
    /// Requests, errors, faults, throttles.
    pub counts: [f64; 4],
    /// p99 latency, ms.
    pub p99_ms: Option<f64>,
}

impl MapEdge {
    /// Share of requests that failed (errors and faults).
    pub fn failed_share(&self) -> f64 {
        let [req, err, fault, _] = self.counts;
        if req > 0.0 {
            ((err + fault) / req).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// The data of the `service-map` chart, laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceMap {
    /// Nodes: clients first, then by service and type.
    pub nodes: Vec<MapNode>,
    /// Edges.
    pub edges: Vec<MapEdge>,
    /// The layout.
    pub layout: Layout,
    /// Subtitle.
    pub subtitle: String,
}

/// A readable name for a node type.
pub fn type_name(kind: &str) -> String {
    match kind {
        "client" => "client (callers)".into(),
        "remote" => "remote host".into(),
        "AWS::Lambda::Function" => "Lambda function".into(),
        "AWS::Lambda" => "Lambda service".into(),
        "AWS::ApiGateway::Stage" => "API Gateway stage".into(),
        "AWS::DynamoDB::Table" => "DynamoDB table".into(),
        "AWS::DynamoDB" => "DynamoDB".into(),
        "AWS::SNS" => "SNS topic".into(),
        "AWS::SQS" | "AWS::SQS::Queue" => "SQS queue".into(),
        "AWS::Events" | "AWS::Events::EventBus" => "EventBridge".into(),
        "AWS::S3" | "AWS::S3::Bucket" => "S3 bucket".into(),
        "AWS::StepFunctions::StateMachine" => "Step Functions".into(),
        other => other
            .strip_prefix("AWS::")
            .unwrap_or(other)
            .replace("::", " "),
    }
}

/// A short badge drawn inside a node.
fn badge(kind: &str) -> String {
    match kind {
        "client" => "user".into(),
        "remote" => "ext".into(),
        k if k.starts_with("AWS::Lambda") => "λ".into(),
        k if k.starts_with("AWS::ApiGateway") => "API".into(),
        k if k.starts_with("AWS::DynamoDB") => "DDB".into(),
        k if k.starts_with("AWS::Events") => "EB".into(),
        k if k.starts_with("AWS::StepFunctions") => "SFN".into(),
        k => {
            let last = k
                .trim_start_matches("AWS::")
                .split("::")
                .next()
                .unwrap_or(k);
            last.chars()
                .filter(|c| c.is_alphanumeric())
                .take(3)
                .collect::<String>()
                .to_uppercase()
        }
    }
}

fn pct(v: f64) -> String {
    if v > 0.0 && v < 0.001 {
        "<0.1%".to_string()
    } else {
        format!("{:.1}%", v * 100.0)
    }
}

/// Most nodes drawn (the busiest, clients always), so the picture stays readable and bounded.
pub const MAX_NODES: usize = 60;
/// Most edges drawn (the busiest between the nodes drawn).
pub const MAX_EDGES: usize = 150;

/// Keep at most [`MAX_NODES`] nodes (clients first, then by requests) and [`MAX_EDGES`] edges
/// among them (by requests), re-indexing the edges.
fn busiest(nodes: Vec<MapNode>, edges: Vec<MapEdge>) -> (Vec<MapNode>, Vec<MapEdge>) {
    if nodes.len() <= MAX_NODES && edges.len() <= MAX_EDGES {
        return (nodes, edges);
    }
    let requests = |n: &MapNode| n.counts.map_or(0.0, |c| c[0]);
    let mut rank: Vec<usize> = (0..nodes.len()).collect();
    rank.sort_by(|a, b| {
        let (na, nb) = (&nodes[*a], &nodes[*b]);
        (nb.kind == "client")
            .cmp(&(na.kind == "client"))
            .then(requests(nb).total_cmp(&requests(na)))
            .then(a.cmp(b))
    });
    let mut keep = vec![false; nodes.len()];
    for &i in rank.iter().take(MAX_NODES) {
        keep[i] = true;
    }
    let mut new_index = vec![usize::MAX; nodes.len()];
    let mut kept = Vec::new();
    for (i, n) in nodes.into_iter().enumerate() {
        if keep[i] {
            new_index[i] = kept.len();
            kept.push(n);
        }
    }
    let mut es: Vec<MapEdge> = edges
        .into_iter()
        .filter(|e| keep[e.source] && keep[e.target])
        .collect();
    es.sort_by(|a, b| {
        b.counts[0]
            .total_cmp(&a.counts[0])
            .then((a.source, a.target).cmp(&(b.source, b.target)))
    });
    es.truncate(MAX_EDGES);
    es.sort_by_key(|e| (e.source, e.target));
    for e in &mut es {
        e.source = new_index[e.source];
        e.target = new_index[e.target];
    }
    (kept, es)
}

impl ServiceMap {
    /// Read the `service-map-nodes` and `service-map-edges` reports, and `service-map-health`
    /// (service, type, requests, ok_share, error_share, fault_share, throttle_share) if given.
    pub fn from_frames(
        nodes: &DataFrame,
        edges: &DataFrame,
        health: Option<&DataFrame>,
        opts: &ChartOptions,
    ) -> Result<ServiceMap> {
        const C: &str = "service-map";
        let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unknown)".to_string());
        let mut found: BTreeMap<(bool, String, String), MapNode> = BTreeMap::new();
        let mut add = |service: String, kind: String| {
            found
                .entry((kind != "client", service.clone(), kind.clone()))
                .or_insert(MapNode {
                    service,
                    kind,
                    counts: None,
                    p50_ms: None,
                    p99_ms: None,
                    shares: None,
                });
        };
        let ns = frames::text(nodes, C, "service")?;
        let nt = frames::text(nodes, C, "type")?;
        let ncounts: Vec<Vec<Option<f64>>> = ["requests", "errors", "faults", "throttles"]
            .iter()
            .map(|c| frames::num(nodes, C, c))
            .collect::<Result<_>>()?;
        let (np50, np99) = (
            frames::num(nodes, C, "p50_ms")?,
            frames::num(nodes, C, "p99_ms")?,
        );
        for i in 0..nodes.height() {
            add(name(&ns[i]), name(&nt[i]));
        }
        let es = frames::text(edges, C, "source")?;
        let est = frames::text(edges, C, "source_type")?;
        let et = frames::text(edges, C, "target")?;
        let ett = frames::text(edges, C, "target_type")?;
        let ecounts: Vec<Vec<Option<f64>>> = ["requests", "errors", "faults", "throttles"]
            .iter()
            .map(|c| frames::num(edges, C, c))
            .collect::<Result<_>>()?;
        let ep99 = frames::num(edges, C, "p99_ms")?;
        for i in 0..edges.height() {
            add(name(&es[i]), name(&est[i]));
            add(name(&et[i]), name(&ett[i]));
        }
        let index: BTreeMap<(String, String), usize> = found
            .keys()
            .enumerate()
            .map(|(i, (_, s, k))| ((s.clone(), k.clone()), i))
            .collect();
        let mut map_nodes: Vec<MapNode> = found.into_values().collect();
        for i in 0..nodes.height() {
            let Some(&j) = index.get(&(name(&ns[i]), name(&nt[i]))) else {
                continue;
            };
            let n = &mut map_nodes[j];
            if let [Some(r), e, f, t] = [ncounts[0][i], ncounts[1][i], ncounts[2][i], ncounts[3][i]]
            {
                n.counts = Some([r, e.unwrap_or(0.0), f.unwrap_or(0.0), t.unwrap_or(0.0)]);
            }
            n.p50_ms = np50[i];
            n.p99_ms = np99[i];
        }
        // Health: from the report when given, else from the node counts (throttles are a
        // subset of errors, as X-Ray counts them).
        let mut from_report = false;
        if let Some(h) = health {
            let hs = frames::text(h, C, "service")?;
            let ht = frames::text(h, C, "type")?;
            let cols: Vec<Vec<Option<f64>>> =
                ["ok_share", "error_share", "throttle_share", "fault_share"]
                    .iter()
                    .map(|c| frames::num(h, C, c))
                    .collect::<Result<_>>()?;
            for i in 0..h.height() {
                let Some(&j) = index.get(&(name(&hs[i]), name(&ht[i]))) else {
                    continue;
                };
                if let [Some(a), Some(b), Some(c), Some(d)] =
                    [cols[0][i], cols[1][i], cols[2][i], cols[3][i]]
                {
                    map_nodes[j].shares = Some([a, b, c, d]);
                    from_report = true;
                }
            }
        }
        for n in &mut map_nodes {
            if n.shares.is_none()
                && let Some([req, err, fault, thr]) = n.counts
                && req > 0.0
            {
                let thr = thr.min(err);
                let ok = (req - err - fault).max(0.0);
                n.shares = Some([ok / req, (err - thr) / req, thr / req, fault / req]);
            }
        }
        let mut map_edges = Vec::new();
        for i in 0..edges.height() {
            let (Some(&s), Some(&t)) = (
                index.get(&(name(&es[i]), name(&est[i]))),
                index.get(&(name(&et[i]), name(&ett[i]))),
            ) else {
                continue;
            };
            let c = |k: usize| ecounts[k][i].unwrap_or(0.0);
            map_edges.push(MapEdge {
                source: s,
                target: t,
                counts: [c(0), c(1), c(2), c(3)],
                p99_ms: ep99[i],
            });
        }
        let (total_nodes, total_edges) = (map_nodes.len(), map_edges.len());
        let (map_nodes, map_edges) = busiest(map_nodes, map_edges);
        let root = map_nodes.iter().position(|n| n.kind == "client");
        let pairs: Vec<(usize, usize)> = map_edges.iter().map(|e| (e.source, e.target)).collect();
        let layout = layout(map_nodes.len(), &pairs, root);
        let failing = map_edges
            .iter()
            .filter(|e| e.failed_share() >= FAILING_SHARE)
            .count();
        let subtitle = format!(
            "{} · {} nodes, {} edges, {failing} failing (≥ {}% of calls failed){}",
            window_text(&opts.window, None, None),
            map_nodes.len(),
            map_edges.len(),
            FAILING_SHARE * 100.0,
            if from_report || map_nodes.is_empty() {
                ""
            } else {
                " · health from node counts"
            }
        );
        let subtitle = if total_nodes > map_nodes.len() || total_edges > map_edges.len() {
            format!(
                "the busiest {} of {total_nodes} nodes and {} of {total_edges} edges · {subtitle}",
                map_nodes.len(),
                map_edges.len()
            )
        } else {
            subtitle
        };
        Ok(ServiceMap {
            nodes: map_nodes,
            edges: map_edges,
            layout,
            subtitle,
        })
    }

    pub(crate) fn rows(&self) -> usize {
        self.nodes.len() + self.edges.len()
    }

    fn back_count(&self) -> i32 {
        self.layout.back.iter().filter(|b| **b).count() as i32
    }

    fn top_band(&self) -> i32 {
        let n = self.back_count();
        if n == 0 { 8 } else { 16 + n * LANE_H }
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        let layers = self.layout.order.len().max(1) as i32;
        let w = (2 * SIDE + (layers - 1) * COL_W).max(WIDTH as i32);
        let rows = self.layout.height().max(2) as i32;
        let h = HEADER_H + LEGEND_H + self.top_band() + rows * ROW_H + 10;
        (w as u32, h as u32)
    }

    /// Centre of a slot, in the area below the legend.
    fn centre(&self, slot: Slot, width: i32) -> Option<(i32, i32)> {
        let (l, i) = self.layout.position(slot)?;
        let layers = self.layout.order.len().max(1) as i32;
        let used = (layers - 1) * COL_W;
        let x0 = (width - used) / 2;
        let rows = self.layout.height() as i32;
        let here = self.layout.order[l].len() as i32;
        let y = self.top_band() + (rows - here) * ROW_H / 2 + i as i32 * ROW_H + 36;
        Some((x0 + l as i32 * COL_W, y))
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<()> {
        let body = header(root, "Service map", &self.subtitle)?;
        if self.nodes.is_empty() {
            return no_data(
                &body,
                "No traces in this window: the service map needs X-Ray segments",
            );
        }
        let entries = vec![
            (Swatch::Box(OK), "ok".to_string()),
            (Swatch::Box(ERROR), "error (4xx)".to_string()),
            (Swatch::Box(THROTTLE), "throttled (429)".to_string()),
            (Swatch::Box(FAULT), "fault (5xx)".to_string()),
            (
                Swatch::Line(EDGE_OK, 2),
                "calls without failures".to_string(),
            ),
            (
                Swatch::Line(EDGE_SOME, 2),
                format!("under {}% failed", FAILING_SHARE * 100.0),
            ),
            (
                Swatch::Line(EDGE_FAILING, 3),
                format!("{}% or more failed", FAILING_SHARE * 100.0),
            ),
            (
                Swatch::Line(INK, 1),
                "edge label: requests · p99 latency".to_string(),
            ),
        ];
        let (legend_area, area) = body.split_vertically(LEGEND_H);
        legend(&legend_area, &entries)?;
        let width = area.dim_in_pixel().0 as i32;
        let label_style = text_style(12.0, INK, false, HPos::Center, VPos::Center);

        // Edges first, so nodes are drawn over their ends.
        let mut lane = 0;
        let mut labels: Vec<((i32, i32), String, Option<(String, RGBColor)>)> = Vec::new();
        // Failing edges last, so they are drawn over the shared stubs of the others.
        let mut drawing: Vec<usize> = (0..self.edges.len()).collect();
        drawing.sort_by(|a, b| {
            self.edges[*a]
                .failed_share()
                .total_cmp(&self.edges[*b].failed_share())
                .then(a.cmp(b))
        });
        for e in drawing {
            let edge = &self.edges[e];
            let (Some(s), Some(t)) = (
                self.centre(Slot::Node(edge.source), width),
                self.centre(Slot::Node(edge.target), width),
            ) else {
                continue;
            };
            let share = edge.failed_share();
            let color = if share >= FAILING_SHARE {
                EDGE_FAILING
            } else if share > 0.0 {
                EDGE_SOME
            } else {
                EDGE_OK
            };
            let stroke = if share >= FAILING_SHARE { 3 } else { 2 };
            let mut pts: Vec<(i32, i32)>;
            let label_at: (i32, i32);
            if self.layout.back.get(e).copied().unwrap_or(false) {
                // Against the flow: over the top, in a lane of its own.
                let y = 8 + lane * LANE_H;
                lane += 1;
                pts = vec![
                    (s.0 + 8, s.1 - R),
                    (s.0 + 8, y),
                    (t.0 - 8, y),
                    (t.0 - 8, t.1 - R - 2),
                ];
                label_at = ((s.0 + t.0) / 2, y);
            } else {
                pts = vec![(s.0 + R, s.1), (s.0 + STUB, s.1)];
                let mut k = 0;
                while let Some(d) = self.centre(Slot::Dummy { edge: e, k }, width) {
                    pts.push(d);
                    k += 1;
                }
                pts.push((t.0 - STUB, t.1));
                pts.push((t.0 - R - 2, t.1));
                // On the first slanted (or straight) stretch, between the columns.
                label_at = ((pts[1].0 + pts[2].0) / 2, (pts[1].1 + pts[2].1) / 2);
            }
            area.draw(&PathElement::new(pts.clone(), color.stroke_width(stroke)))
                .d()?;
            // Arrowhead at the target.
            let tip = pts[pts.len() - 1];
            let prev = pts[pts.len() - 2];
            let (dx, dy) = ((tip.0 - prev.0) as f64, (tip.1 - prev.1) as f64);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            let base = (tip.0 as f64 - 10.0 * ux, tip.1 as f64 - 10.0 * uy);
            let arrow = vec![
                tip,
                (
                    (base.0 - 5.0 * uy).round() as i32,
                    (base.1 + 5.0 * ux).round() as i32,
                ),
                (
                    (base.0 + 5.0 * uy).round() as i32,
                    (base.1 - 5.0 * ux).round() as i32,
                ),
            ];
            area.draw(&Polygon::new(arrow, color.filled())).d()?;
            let text = format!(
                "{} req · p99 {}",
                fmt_int(edge.counts[0]),
                edge.p99_ms.map_or_else(|| "n/a".to_string(), fmt_ms)
            );
            let fail = (share > 0.0).then(|| (format!("{} failed", pct(share)), color));
            labels.push((label_at, text, fail));
        }
        // Edge labels over the lines, on a white ground.
        for ((x, y), text, fail) in &labels {
            let (w1, h1) = area.estimate_text_size(text, &label_style).d()?;
            let lines = if fail.is_some() { 2 } else { 1 };
            let (hw, hh) = (w1 as i32 / 2 + 4, (h1 as i32 + 4) * lines / 2 + 1);
            area.draw(&Rectangle::new(
                [(x - hw, y - hh), (x + hw, y + hh)],
                WHITE.mix(0.9).filled(),
            ))
            .d()?;
            let y_text = if fail.is_some() { y - hh / 2 } else { *y };
            area.draw_text(text, &label_style, (*x, y_text)).d()?;
            if let Some((f, c)) = fail {
                area.draw_text(
                    f,
                    &text_style(12.0, *c, true, HPos::Center, VPos::Center),
                    (*x, y + hh / 2),
                )
                .d()?;
            }
        }

        for (i, n) in self.nodes.iter().enumerate() {
            let Some((x, y)) = self.centre(Slot::Node(i), width) else {
                continue;
            };
            self.draw_node(&area, n, (x, y))?;
        }
        Ok(())
    }

    fn draw_node<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        n: &MapNode,
        (x, y): (i32, i32),
    ) -> Drawn<()> {
        match n.shares {
            None => area.draw(&Circle::new((x, y), R, NO_DATA.filled())).d()?,
            Some(shares) => {
                let colors = [OK, ERROR, THROTTLE, FAULT];
                let total: f64 = shares.iter().map(|s| s.max(0.0)).sum();
                let main = (0..4)
                    .max_by(|a, b| shares[*a].total_cmp(&shares[*b]).then(b.cmp(a)))
                    .unwrap_or(0);
                area.draw(&Circle::new((x, y), R, colors[main].filled()))
                    .d()?;
                if total > 0.0 {
                    // Wedges clockwise from the top; any non-zero share shows at least 8°.
                    let mut angle = -90.0f64;
                    for k in 0..4 {
                        let share = shares[k].max(0.0) / total;
                        if share <= 0.0 {
                            continue;
                        }
                        let sweep = (share * 360.0).max(8.0);
                        if k != main {
                            let steps = ((sweep / 6.0).ceil() as usize).max(2);
                            let mut pts = vec![(x, y)];
                            for s in 0..=steps {
                                let a = (angle + sweep * s as f64 / steps as f64).to_radians();
                                pts.push((
                                    (x as f64 + R as f64 * a.cos()).round() as i32,
                                    (y as f64 + R as f64 * a.sin()).round() as i32,
                                ));
                            }
                            area.draw(&Polygon::new(pts, colors[k].filled())).d()?;
                        }
                        angle += sweep;
                    }
                }
            }
        }
        let failed = n.shares.map_or(0.0, |s| 1.0 - s[0]);
        let inner = if failed >= 0.05 {
            RGBColor(248, 215, 218)
        } else if failed >= FAILING_SHARE {
            RGBColor(255, 236, 200)
        } else {
            WHITE
        };
        area.draw(&Circle::new((x, y), R - RING, inner.filled()))
            .d()?;
        area.draw_text(
            &badge(&n.kind),
            &text_style(12.0, INK, true, HPos::Center, VPos::Center),
            (x, y),
        )
        .d()?;
        area.draw_text(
            &clean_label(&n.service, 34),
            &text_style(14.0, INK, true, HPos::Center, VPos::Top),
            (x, y + R + 5),
        )
        .d()?;
        area.draw_text(
            &clean_label(&type_name(&n.kind), 40),
            &text_style(12.0, MUTED, false, HPos::Center, VPos::Top),
            (x, y + R + 22),
        )
        .d()?;
        if let Some([req, ..]) = n.counts {
            let line = format!(
                "{} req · p50 {} · p99 {}",
                fmt_int(req),
                n.p50_ms.map_or("n/a".into(), fmt_ms),
                n.p99_ms.map_or("n/a".into(), fmt_ms)
            );
            area.draw_text(
                &clean_label(&line, 48),
                &text_style(12.0, INK, false, HPos::Center, VPos::Top),
                (x, y + R + 38),
            )
            .d()?;
        }
        if let Some(s) = n.shares
            && s[0] < 1.0
        {
            let mut parts = Vec::new();
            for (k, what) in [(1, "4xx"), (2, "throttled"), (3, "5xx")] {
                if s[k] > 0.0 {
                    parts.push(format!("{} {what}", pct(s[k])));
                }
            }
            let color = if 1.0 - s[0] >= FAILING_SHARE {
                FAULT
            } else {
                MUTED
            };
            area.draw_text(
                &parts.join(" · "),
                &text_style(12.0, color, false, HPos::Center, VPos::Top),
                (x, y + R + 54),
            )
            .d()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn frames() -> (DataFrame, DataFrame) {
        let nodes = df!(
            "service" => ["client", "api", "fn", "tbl"],
            "type" => ["client", "AWS::ApiGateway::Stage", "AWS::Lambda::Function", "AWS::DynamoDB::Table"],
            "requests" => [100i64, 100, 90, 50],
            "errors" => [10i64, 10, 0, 0],
            "faults" => [5i64, 5, 1, 0],
            "throttles" => [2i64, 2, 0, 0],
            "p50_ms" => [10.0, 10.0, 8.0, 2.0],
            "p99_ms" => [100.0, 100.0, 80.0, 9.0],
        )
        .unwrap();
        let edges = df!(
            "source" => ["client", "api", "fn", "fn"],
            "source_type" => ["client", "AWS::ApiGateway::Stage", "AWS::Lambda::Function", "AWS::Lambda::Function"],
            "target" => ["api", "fn", "tbl", "<script>&x"],
            "target_type" => ["AWS::ApiGateway::Stage", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "remote"],
            "requests" => [100i64, 90, 50, 3],
            "errors" => [10i64, 0, 0, 0],
            "faults" => [5i64, 0, 0, 0],
            "throttles" => [2i64, 0, 0, 0],
            "p50_ms" => [10.0, 8.0, 2.0, 1.0],
            "p99_ms" => [100.0, 80.0, 9.0, 1.0],
        )
        .unwrap();
        (nodes, edges)
    }

    #[test]
    fn the_map_is_layered_from_the_client_with_health_from_the_counts() {
        let (nodes, edges) = frames();
        let m = ServiceMap::from_frames(&nodes, &edges, None, &ChartOptions::default()).unwrap();
        assert_eq!(m.nodes[0].service, "client");
        // The remote host only named by an edge is a node too.
        assert_eq!(m.nodes.len(), 5);
        let layer = |s: &str| m.layout.layer[m.nodes.iter().position(|n| n.service == s).unwrap()];
        assert_eq!(
            [
                layer("client"),
                layer("api"),
                layer("fn"),
                layer("tbl"),
                layer("<script>&x")
            ],
            [0, 1, 2, 3, 3]
        );
        let client = &m.nodes[0];
        let s = client.shares.unwrap();
        assert!(
            (s[0] - 0.85).abs() < 1e-12
                && (s[1] - 0.08).abs() < 1e-12
                && (s[2] - 0.02).abs() < 1e-12
                && (s[3] - 0.05).abs() < 1e-12
        );
        assert!(
            m.subtitle.contains("1 failing") && m.subtitle.contains("health from node counts"),
            "{}",
            m.subtitle
        );
        let svg = super::super::Chart::ServiceMap(m).to_svg().unwrap();
        assert!(svg.contains("100 req · p99 100 ms"), "{svg}");
        assert!(svg.contains("15.0% failed"), "{svg}");
        assert!(
            svg.contains("&lt;script&gt;&amp;x") && !svg.contains("<script>"),
            "{svg}"
        );
        assert!(
            svg.contains("#C81E1E") || svg.contains("#c81e1e"),
            "failing edge in red:\n{svg}"
        );
    }

    #[test]
    fn big_maps_keep_the_busiest_nodes_and_edges() {
        let n = MAX_NODES + 20;
        let services: Vec<String> = (0..n).map(|i| format!("s{i:03}")).collect();
        let kinds: Vec<&str> = (0..n)
            .map(|i| if i == 0 { "client" } else { "remote" })
            .collect();
        let requests: Vec<i64> = (0..n as i64).collect();
        let zeros = vec![0i64; n];
        let p = vec![1.0f64; n];
        let nodes = df!(
            "service" => &services, "type" => &kinds, "requests" => &requests, "errors" => &zeros,
            "faults" => &zeros, "throttles" => &zeros, "p50_ms" => &p, "p99_ms" => &p,
        )
        .unwrap();
        let src = vec!["s000"; n - 1];
        let src_t = vec!["client"; n - 1];
        let tgt: Vec<String> = services[1..].to_vec();
        let tgt_t = vec!["remote"; n - 1];
        let req: Vec<i64> = (1..n as i64).collect();
        let z = vec![0i64; n - 1];
        let pe = vec![1.0f64; n - 1];
        let edges = df!(
            "source" => &src, "source_type" => &src_t, "target" => &tgt, "target_type" => &tgt_t,
            "requests" => &req, "errors" => &z, "faults" => &z, "throttles" => &z, "p50_ms" => &pe, "p99_ms" => &pe,
        )
        .unwrap();
        let m = ServiceMap::from_frames(&nodes, &edges, None, &ChartOptions::default()).unwrap();
        assert_eq!(m.nodes.len(), MAX_NODES);
        assert_eq!(m.nodes[0].kind, "client");
        assert!(
            m.nodes
                .iter()
                .all(|x| x.kind == "client" || x.service.as_str() > "s020"),
            "the quietest are dropped"
        );
        assert_eq!(m.edges.len(), MAX_NODES - 1);
        assert!(
            m.edges
                .iter()
                .all(|e| e.source < m.nodes.len() && e.target < m.nodes.len() && e.source == 0)
        );
        assert!(
            m.subtitle
                .starts_with(&format!("the busiest {MAX_NODES} of {n} nodes")),
            "{}",
            m.subtitle
        );
    }

    #[test]
    fn health_comes_from_the_report_when_given() {
        let (nodes, edges) = frames();
        let health = df!(
            "service" => ["fn"], "type" => ["AWS::Lambda::Function"], "requests" => [90i64],
            "ok_share" => [0.5], "error_share" => [0.25], "fault_share" => [0.125], "throttle_share" => [0.125],
        )
        .unwrap();
        let m = ServiceMap::from_frames(&nodes, &edges, Some(&health), &ChartOptions::default())
            .unwrap();
        let f = m.nodes.iter().find(|n| n.service == "fn").unwrap();
        assert_eq!(f.shares, Some([0.5, 0.25, 0.125, 0.125]));
        assert!(!m.subtitle.contains("health from node counts"));
    }
}
