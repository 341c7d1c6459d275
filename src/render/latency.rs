//! Latency percentiles over time, one panel per function (each with its own scale, so a batch
//! job of minutes does not flatten an API of milliseconds).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use polars::prelude::DataFrame;

use super::{
    ChartOptions, Drawn, GRID, HEADER_H, INK, MUTED, OrDrawn, Swatch, WIDTH, clean_label, count_of,
    fmt_num, fmt_tick, frames, header, legend, nice_max, no_data, text_style, time_ticks,
    window_text,
};
use crate::analysis::params::format_bucket;
use crate::error::Result;

/// Most panels drawn; the busiest functions are kept.
const MAX_PANELS: usize = 8;
const PANEL_H: i32 = 210;
const LEGEND_H: i32 = 34;
/// p50, p90, p99 colours.
const LINES: [(RGBColor, &str); 3] = [
    (RGBColor(31, 119, 180), "p50 (median)"),
    (RGBColor(255, 127, 14), "p90"),
    (RGBColor(214, 39, 40), "p99"),
];

/// One bucket of one function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Bucket start, µs UTC.
    pub start: i64,
    /// Invocations in the bucket.
    pub invocations: f64,
    /// p50, p90, p99 latency, ms.
    pub p: [Option<f64>; 3],
}

/// One function's series.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSeries {
    /// Function name.
    pub function: String,
    /// Buckets, by start.
    pub points: Vec<Point>,
}

impl FunctionSeries {
    fn invocations(&self) -> f64 {
        self.points.iter().map(|p| p.invocations).sum()
    }
}

/// The data of the `latency` chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySeries {
    /// Functions drawn, busiest first.
    pub functions: Vec<FunctionSeries>,
    /// Functions in the frame.
    pub total_functions: usize,
    /// Bucket width, µs (the smallest step between buckets; one hour when there is one bucket).
    pub bucket_us: i64,
    /// The time axis, µs: the window when both ends are given, else the buckets' span.
    pub x_range: (i64, i64),
    /// Subtitle.
    pub subtitle: String,
}

impl LatencySeries {
    /// Read the `latency-timeseries` report (bucket_start, function, invocations, p50_ms,
    /// p90_ms, p99_ms).
    pub fn from_frame(df: &DataFrame, opts: &ChartOptions) -> Result<LatencySeries> {
        const C: &str = "latency";
        let start = frames::time_us(df, C, "bucket_start")?;
        let function = frames::text(df, C, "function")?;
        let inv = frames::num(df, C, "invocations")?;
        let p: Vec<Vec<Option<f64>>> = ["p50_ms", "p90_ms", "p99_ms"]
            .iter()
            .map(|c| frames::num(df, C, c))
            .collect::<Result<_>>()?;
        let mut by: std::collections::BTreeMap<String, Vec<Point>> = Default::default();
        for i in 0..df.height() {
            let Some(s) = start[i] else { continue };
            let f = function[i]
                .clone()
                .unwrap_or_else(|| "(unknown)".to_string());
            by.entry(f).or_default().push(Point {
                start: s,
                invocations: inv[i].unwrap_or(0.0),
                p: [p[0][i], p[1][i], p[2][i]],
            });
        }
        let mut starts: Vec<i64> = by.values().flatten().map(|p| p.start).collect();
        starts.sort_unstable();
        starts.dedup();
        let bucket_us = starts
            .windows(2)
            .map(|w| w[1] - w[0])
            .min()
            .unwrap_or(3_600_000_000)
            .max(1);
        let mut functions: Vec<FunctionSeries> = by
            .into_iter()
            .map(|(function, mut points)| {
                points.sort_by_key(|p| p.start);
                FunctionSeries { function, points }
            })
            .collect();
        let total_functions = functions.len();
        functions.sort_by(|a, b| {
            b.invocations()
                .total_cmp(&a.invocations())
                .then_with(|| a.function.cmp(&b.function))
        });
        functions.truncate(MAX_PANELS);
        let data = (
            starts.first().copied(),
            starts.last().map(|s| s + bucket_us),
        );
        let x_range = match (opts.window.from, opts.window.to, data) {
            (Some(a), Some(b), _) if b > a => (a, b),
            (a, b, (Some(lo), Some(hi))) => {
                (a.unwrap_or(lo), b.unwrap_or(hi).max(a.unwrap_or(lo) + 1))
            }
            _ => (0, 1),
        };
        let mut subtitle = format!(
            "{} · buckets of {} · percentiles of invocation duration in each bucket",
            window_text(&opts.window, data.0, data.1),
            format_bucket(bucket_us)
        );
        if total_functions > functions.len() {
            subtitle = format!(
                "the {} busiest of {total_functions} functions · {subtitle}",
                functions.len()
            );
        }
        Ok(LatencySeries {
            functions,
            total_functions,
            bucket_us,
            x_range,
            subtitle,
        })
    }

    pub(crate) fn rows(&self) -> usize {
        self.functions.iter().map(|f| f.points.len()).sum()
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        let body = if self.functions.is_empty() {
            300
        } else {
            self.functions.len() as i32 * PANEL_H
        };
        (WIDTH, (HEADER_H + LEGEND_H + body + 10) as u32)
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<()> {
        let body = header(
            root,
            "Latency percentiles over time by function",
            &self.subtitle,
        )?;
        if self.functions.is_empty() {
            return no_data(&body, "No invocations in this window");
        }
        let entries: Vec<(Swatch, String)> = LINES
            .iter()
            .map(|(c, l)| (Swatch::Line(*c, 3), l.to_string()))
            .collect();
        let (legend_area, panels) = body.split_vertically(LEGEND_H);
        legend(&legend_area, &entries)?;
        let (lo, hi) = self.x_range;
        let (ticks, step) = time_ticks(lo, hi, 9);
        let areas = panels
            .margin(0, 10, 10, 10)
            .split_evenly((self.functions.len(), 1));
        for (f, area) in self.functions.iter().zip(areas.iter()) {
            let y_top = f
                .points
                .iter()
                .flat_map(|p| p.p.iter().flatten())
                .fold(0.0, |a: f64, b| a.max(*b));
            let y_max = nice_max(y_top);
            let caption = format!(
                "{} ({})",
                clean_label(&f.function, 60),
                count_of(f.invocations(), "invocation")
            );
            let mut chart = ChartBuilder::on(area)
                .caption(caption, text_style(15.0, INK, true, HPos::Left, VPos::Top))
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d((lo..hi).with_key_points(ticks.clone()), 0f64..y_max)
                .d()?;
            let x_fmt = |v: &i64| fmt_tick(*v, step);
            let y_fmt = |v: &f64| fmt_num(*v, if y_max < 5.0 { 1 } else { 0 });
            chart
                .configure_mesh()
                .x_desc("time (UTC)")
                .y_desc("latency (ms)")
                .y_labels(5)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .label_style(text_style(12.0, MUTED, false, HPos::Center, VPos::Center))
                .axis_desc_style(text_style(13.0, INK, false, HPos::Center, VPos::Center))
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .draw()
                .d()?;
            let half = self.bucket_us / 2;
            for (k, (color, _)) in LINES.iter().enumerate() {
                // Break the line where buckets are missing (no invocations).
                let mut segments: Vec<Vec<(i64, f64)>> = Vec::new();
                let mut last: Option<i64> = None;
                for p in &f.points {
                    let Some(v) = p.p[k] else {
                        last = None;
                        continue;
                    };
                    if p.start < lo || p.start >= hi {
                        continue;
                    }
                    let joined = last.is_some_and(|l| p.start - l <= self.bucket_us);
                    if !joined {
                        segments.push(Vec::new());
                    }
                    if let Some(seg) = segments.last_mut() {
                        seg.push((p.start + half, v));
                    }
                    last = Some(p.start);
                }
                let style = color.stroke_width(2);
                for seg in &segments {
                    if seg.len() == 1 {
                        chart
                            .draw_series(std::iter::once(Circle::new(seg[0], 3, color.filled())))
                            .d()?;
                    } else {
                        chart
                            .draw_series(std::iter::once(PathElement::new(seg.clone(), style)))
                            .d()?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::time::parse_iso;
    use polars::prelude::*;

    #[test]
    fn series_are_per_function_busiest_first_with_the_bucket_from_the_data() {
        let df = df!(
            "bucket_start" => ["2026-10-03T00:00:00Z", "2026-10-03T06:00:00Z", "2026-10-03T00:00:00Z", "2026-10-03T18:00:00Z"],
            "function" => ["a", "a", "b", "a"],
            "invocations" => [1i64, 2, 10, 3],
            "p50_ms" => [1.0, 2.0, 3.0, 4.0],
            "p90_ms" => [1.0, 2.0, 3.0, 4.0],
            "p99_ms" => [Some(1.0), None, Some(3.0), Some(400.0)],
        )
        .unwrap();
        let s = LatencySeries::from_frame(&df, &ChartOptions::default()).unwrap();
        assert_eq!(s.functions[0].function, "b");
        assert_eq!(s.bucket_us, 6 * 3_600_000_000);
        let t0 = parse_iso("2026-10-03T00:00:00Z").unwrap();
        assert_eq!(s.x_range, (t0, t0 + 24 * 3_600_000_000));
        assert!(s.subtitle.contains("buckets of 6h"), "{}", s.subtitle);
        let svg = super::super::Chart::Latency(s).to_svg().unwrap();
        assert!(
            svg.contains("latency (ms)")
                && svg.contains("p99")
                && svg.contains("a (6 invocations)"),
            "{svg}"
        );
        // a has a gap between 06:00 and 18:00: two pieces per percentile; p99 misses 06:00.
        assert!(svg.contains("<circle"), "{svg}");
    }
}
