//! The init-duration histogram of cold starts, one panel per function.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use polars::prelude::DataFrame;

use super::{
    ChartOptions, Drawn, GRID, HEADER_H, INK, MUTED, OrDrawn, PALETTE, Swatch, WIDTH, clean_label,
    count_of, decimals_for, fmt_int, fmt_num, frames, header, legend, nice_max, no_data,
    text_style, window_text,
};
use crate::error::Result;

/// Most panels drawn; the functions with the most cold starts are kept.
const MAX_PANELS: usize = 12;
const PANEL_H: i32 = 230;
const LEGEND_H: i32 = 56;

/// One function's bins.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionBins {
    /// Function name.
    pub function: String,
    /// (bin start ms, bin end ms, cold starts), by bin start.
    pub bins: Vec<(f64, f64, f64)>,
}

impl FunctionBins {
    fn total(&self) -> f64 {
        self.bins.iter().map(|b| b.2).sum()
    }
}

/// The data of the `cold-start-histogram` chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Histograms {
    /// Functions drawn, by name.
    pub functions: Vec<FunctionBins>,
    /// Functions in the frame (more than drawn when there are over [`MAX_PANELS`]).
    pub total_functions: usize,
    /// Bin width, ms (from the frame).
    pub bin_ms: Option<f64>,
    /// Subtitle.
    pub subtitle: String,
}

impl Histograms {
    /// Read the `cold-start-histogram` report (function, bin_start_ms, bin_end_ms, count).
    pub fn from_frame(df: &DataFrame, opts: &ChartOptions) -> Result<Histograms> {
        const C: &str = "cold-start-histogram";
        let function = frames::text(df, C, "function")?;
        let start = frames::num(df, C, "bin_start_ms")?;
        let end = frames::num(df, C, "bin_end_ms")?;
        let count = frames::num(df, C, "count")?;
        let mut by: std::collections::BTreeMap<String, Vec<(f64, f64, f64)>> = Default::default();
        let mut bin_ms: Option<f64> = None;
        for i in 0..df.height() {
            let (Some(s), Some(e), Some(n)) = (start[i], end[i], count[i]) else {
                continue;
            };
            if e <= s || n <= 0.0 {
                continue;
            }
            bin_ms = Some(bin_ms.map_or(e - s, |b: f64| b.min(e - s)));
            let f = function[i]
                .clone()
                .unwrap_or_else(|| "(unknown)".to_string());
            by.entry(f).or_default().push((s, e, n));
        }
        let mut functions: Vec<FunctionBins> = by
            .into_iter()
            .map(|(function, mut bins)| {
                bins.sort_by(|a, b| a.0.total_cmp(&b.0));
                FunctionBins { function, bins }
            })
            .collect();
        let total_functions = functions.len();
        if functions.len() > MAX_PANELS {
            functions.sort_by(|a, b| {
                b.total()
                    .total_cmp(&a.total())
                    .then_with(|| a.function.cmp(&b.function))
            });
            functions.truncate(MAX_PANELS);
            functions.sort_by(|a, b| a.function.cmp(&b.function));
        }
        let mut subtitle = window_text(&opts.window, None, None);
        if let Some(b) = bin_ms {
            subtitle.push_str(&format!(" · bins of {} ms", fmt_num(b, decimals_for(b))));
        }
        subtitle.push_str(
            " · a cold start is an invocation with an Init (or SnapStart Restore) Duration",
        );
        if total_functions > functions.len() {
            subtitle = format!(
                "the {} of {total_functions} functions with most cold starts · {subtitle}",
                functions.len()
            );
        }
        Ok(Histograms {
            functions,
            total_functions,
            bin_ms,
            subtitle,
        })
    }

    pub(crate) fn rows(&self) -> usize {
        self.functions.iter().map(|f| f.bins.len()).sum()
    }

    fn grid(&self) -> (usize, usize) {
        let n = self.functions.len().max(1);
        let cols = if n <= 2 { 1 } else { 2 };
        (n.div_ceil(cols), cols)
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        let (rows, _) = self.grid();
        let body = if self.functions.is_empty() {
            300
        } else {
            rows as i32 * PANEL_H
        };
        (WIDTH, (HEADER_H + LEGEND_H + body + 10) as u32)
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<()> {
        let body = header(root, "Cold-start init duration by function", &self.subtitle)?;
        if self.functions.is_empty() {
            return no_data(&body, "No cold starts in this window");
        }
        let entries: Vec<(Swatch, String)> = self
            .functions
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    Swatch::Box(PALETTE[i % PALETTE.len()]),
                    format!("{}: {}", f.function, count_of(f.total(), "cold start")),
                )
            })
            .collect();
        let (legend_area, panels) = body.split_vertically(LEGEND_H);
        legend(&legend_area, &entries)?;
        let x_max = nice_max(
            self.functions
                .iter()
                .flat_map(|f| f.bins.iter().map(|b| b.1))
                .fold(0.0, f64::max),
        );
        let (rows, cols) = self.grid();
        let areas = panels.margin(0, 10, 10, 10).split_evenly((rows, cols));
        for (i, (f, area)) in self.functions.iter().zip(areas.iter()).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let y_max = nice_max(f.bins.iter().map(|b| b.2).fold(0.0, f64::max));
            let caption = format!(
                "{} ({})",
                clean_label(&f.function, 48),
                count_of(f.total(), "cold start")
            );
            let mut chart = ChartBuilder::on(area)
                .caption(caption, text_style(15.0, INK, true, HPos::Left, VPos::Top))
                .margin(8)
                .x_label_area_size(42)
                .y_label_area_size(62)
                .build_cartesian_2d(0f64..x_max, 0f64..y_max)
                .d()?;
            let x_fmt = |v: &f64| fmt_int(*v);
            let y_fmt = |v: &f64| fmt_num(*v, if y_max < 5.0 { 1 } else { 0 });
            chart
                .configure_mesh()
                .x_desc("init duration (ms)")
                .y_desc("cold starts")
                .x_labels(8)
                .y_labels(5)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .label_style(text_style(12.0, MUTED, false, HPos::Center, VPos::Center))
                .axis_desc_style(text_style(13.0, INK, false, HPos::Center, VPos::Center))
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .draw()
                .d()?;
            chart
                .draw_series(f.bins.iter().map(|&(s, e, n)| {
                    let mut bar = Rectangle::new([(s, 0.0), (e, n)], color.filled());
                    bar.set_margin(0, 0, 1, 1);
                    bar
                }))
                .d()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn bins_group_by_function_and_drop_empty_rows() {
        let df = df!(
            "function" => [Some("b"), Some("a"), None, Some("a")],
            "bin_start_ms" => [100.0, 200.0, 0.0, 100.0],
            "bin_end_ms" => [200.0, 300.0, 100.0, 200.0],
            "count" => [3i64, 0, 1, 5],
        )
        .unwrap();
        let h = Histograms::from_frame(&df, &ChartOptions::default()).unwrap();
        let names: Vec<&str> = h.functions.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(names, ["(unknown)", "a", "b"]);
        assert_eq!(h.functions[1].bins, vec![(100.0, 200.0, 5.0)]);
        assert_eq!(h.bin_ms, Some(100.0));
        assert_eq!(h.rows(), 3);
        let svg = super::super::Chart::ColdStartHistogram(h).to_svg().unwrap();
        assert!(
            svg.contains("init duration (ms)") && svg.contains("a (5 cold starts)"),
            "{svg}"
        );
    }
}
