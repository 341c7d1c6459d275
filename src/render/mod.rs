//! Charts drawn with plotters, as SVG or PNG, from report frames.
//!
//! Every chart is drawn from the frames the reports in `queries/` return (never from the raw
//! frames): [`build`] runs the reports a chart needs, and the `from_frames` constructors
//! ([`cold_start_histogram`], [`latency`], [`spend`], [`service_map`]) turn those frames into
//! a [`Chart`], so the UI can draw the same charts from frames it already holds.
//!
//! Output is deterministic: the same frames give byte-identical SVG (no timestamps, no random
//! IDs, text measured with the bundled DejaVu Sans font in `assets/fonts`, not system fonts).
//! PNG text is drawn with the same font ([`bitmap`]), so charts look the same on every machine.

mod bitmap;
pub(crate) mod frames;
mod histogram;
mod latency;
pub mod layout;
mod service_map;
mod spend;

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::DataFrame;

use crate::analysis::{self, Params, Window};
use crate::error::{Error, Result};
use crate::parse::time::format_iso;
use crate::workspace::Workspace;

pub use histogram::Histograms;
pub use latency::LatencySeries;
pub use service_map::{FAILING_SHARE, ServiceMap};
pub use spend::SpendDaily;

/// A chart: its name, what it shows, and the reports it is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct ChartInfo {
    /// Name used on the command line.
    pub name: &'static str,
    /// One line on what it shows.
    pub about: &'static str,
    /// The reports it is drawn from.
    pub reports: &'static [&'static str],
}

/// Every chart.
pub const CHARTS: &[ChartInfo] = &[
    ChartInfo {
        name: "cold-start-histogram",
        about: "init duration of cold starts per function (histogram, --bin-ms)",
        reports: &["cold-start-histogram"],
    },
    ChartInfo {
        name: "latency",
        about: "p50/p90/p99 latency over time per function (--bucket)",
        reports: &["latency-timeseries"],
    },
    ChartInfo {
        name: "spend",
        about: "spend per day stacked by tag value or service (--by; default tag:team, else service)",
        reports: &["spend-daily"],
    },
    ChartInfo {
        name: "service-map",
        about: "the service map, left to right from the client, with node health and edge figures",
        reports: &[
            "service-map-nodes",
            "service-map-edges",
            "service-map-health",
        ],
    },
];

/// The grouping of the spend chart when none is given.
pub const DEFAULT_SPEND_BY: &str = "tag:team";

/// Find a chart by name.
pub fn chart_info(name: &str) -> Result<&'static ChartInfo> {
    CHARTS
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| Error::Unknown {
            kind: "chart",
            name: name.to_string(),
            known: CHARTS.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
        })
}

/// Image formats of charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Scalable vector graphics (text stays text).
    Svg,
    /// A PNG bitmap.
    Png,
}

impl ImageFormat {
    /// The format named by a file's extension (`.svg`, `.png`, any case).
    pub fn from_path(path: &Path) -> Result<ImageFormat> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(Error::Invalid(format!(
                "--out {}: the file name must end in .svg or .png",
                path.display()
            ))),
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
        }
    }
}

/// What a chart needs besides its frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartOptions {
    /// The window the frames were computed over (shown in the subtitle).
    pub window: Window,
}

/// A chart ready to draw.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Init-duration histogram per function.
    ColdStartHistogram(Histograms),
    /// Latency percentiles over time per function.
    Latency(LatencySeries),
    /// Spend per day, stacked by key.
    Spend(SpendDaily),
    /// The service map.
    ServiceMap(ServiceMap),
}

/// The `cold-start-histogram` chart from the `cold-start-histogram` report.
pub fn cold_start_histogram(hist: &DataFrame, ctx: &ChartOptions) -> Result<Chart> {
    Ok(Chart::ColdStartHistogram(Histograms::from_frame(
        hist, ctx,
    )?))
}

/// The `latency` chart from the `latency-timeseries` report.
pub fn latency(series: &DataFrame, ctx: &ChartOptions) -> Result<Chart> {
    Ok(Chart::Latency(LatencySeries::from_frame(series, ctx)?))
}

/// The `spend` chart from the `spend-daily` report (one grouping, e.g. `--by tag:team`;
/// when the frame holds several, `by` picks one, else `TAG:team`, else the first).
pub fn spend(daily: &DataFrame, by: Option<&str>, ctx: &ChartOptions) -> Result<Chart> {
    Ok(Chart::Spend(SpendDaily::from_frame(daily, by, ctx)?))
}

/// The `service-map` chart from the `service-map-nodes` and `service-map-edges` reports, and
/// `service-map-health` when there is one (else the shares are taken from the node counts).
pub fn service_map(
    nodes: &DataFrame,
    edges: &DataFrame,
    health: Option<&DataFrame>,
    ctx: &ChartOptions,
) -> Result<Chart> {
    Ok(Chart::ServiceMap(ServiceMap::from_frames(
        nodes, edges, health, ctx,
    )?))
}

/// Run the reports chart `name` needs over `window` and build the chart. The spend chart
/// groups by `params.by`, else [`DEFAULT_SPEND_BY`], else (no such tag) by service.
pub fn build(ws: &Workspace, name: &str, window: Window, params: &Params) -> Result<Chart> {
    let info = chart_info(name)?;
    let ctx = ChartOptions { window };
    let run = |report: &str, p: &Params| analysis::run_report(ws, report, window, p);
    match info.name {
        "cold-start-histogram" => cold_start_histogram(&run("cold-start-histogram", params)?, &ctx),
        "latency" => latency(&run("latency-timeseries", params)?, &ctx),
        "spend" => {
            let mut p = params.clone();
            if p.by.is_some() {
                return spend(&run("spend-daily", &p)?, p.by.as_deref(), &ctx);
            }
            // Default: by tag:team, else by service when no cost carries that tag.
            p.by = Some(analysis::params::parse_by(DEFAULT_SPEND_BY)?);
            let daily = run("spend-daily", &p)?;
            if daily.height() > 0 {
                return spend(&daily, p.by.as_deref(), &ctx);
            }
            p.by = Some(analysis::params::parse_by("service")?);
            spend(&run("spend-daily", &p)?, p.by.as_deref(), &ctx)
        }
        "service-map" => {
            let nodes = run("service-map-nodes", params)?;
            let edges = run("service-map-edges", params)?;
            let health = if analysis::REPORTS
                .iter()
                .any(|r| r.name == "service-map-health")
            {
                Some(run("service-map-health", params)?)
            } else {
                None
            };
            service_map(&nodes, &edges, health.as_ref(), &ctx)
        }
        other => Err(Error::Invalid(format!("chart {other} has no builder"))),
    }
}

impl Chart {
    /// The chart's name (as in [`CHARTS`]).
    pub fn name(&self) -> &'static str {
        match self {
            Chart::ColdStartHistogram(_) => "cold-start-histogram",
            Chart::Latency(_) => "latency",
            Chart::Spend(_) => "spend",
            Chart::ServiceMap(_) => "service-map",
        }
    }

    /// The number of data rows drawn (bins, points, bars, nodes + edges).
    pub fn rows(&self) -> usize {
        match self {
            Chart::ColdStartHistogram(h) => h.rows(),
            Chart::Latency(l) => l.rows(),
            Chart::Spend(s) => s.rows(),
            Chart::ServiceMap(m) => m.rows(),
        }
    }

    /// Size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::ColdStartHistogram(h) => h.size(),
            Chart::Latency(l) => l.size(),
            Chart::Spend(s) => s.size(),
            Chart::ServiceMap(m) => m.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<()> {
        root.fill(&WHITE).d()?;
        match self {
            Chart::ColdStartHistogram(h) => h.draw(root),
            Chart::Latency(l) => l.draw(root),
            Chart::Spend(s) => s.draw(root),
            Chart::ServiceMap(m) => m.draw(root),
        }
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> Result<String> {
        ensure_font()?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            self.draw(&root).map_err(|e| render_error(self.name(), e))?;
            root.present()
                .map_err(|e| render_error(self.name(), e.to_string()))?;
        }
        Ok(out)
    }

    /// The chart as a PNG image (RGB, 8 bits per channel).
    pub fn to_png(&self) -> Result<Vec<u8>> {
        ensure_font()?;
        let (w, h) = self.size();
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(render_error(
                self.name(),
                format!("{w}x{h} is too big for a PNG; use SVG"),
            ));
        }
        let mut pixels = vec![0u8; w as usize * h as usize * 3];
        {
            let root = bitmap::PngBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            self.draw(&root).map_err(|e| render_error(self.name(), e))?;
            root.present()
                .map_err(|e| render_error(self.name(), e.to_string()))?;
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let png_err =
            |e: png::EncodingError| render_error(self.name(), format!("encoding PNG: {e}"));
        let mut writer = enc.write_header().map_err(png_err)?;
        writer.write_image_data(&pixels).map_err(png_err)?;
        writer.finish().map_err(png_err)?;
        Ok(out)
    }

    /// The chart in `format`, as bytes.
    pub fn render(&self, format: ImageFormat) -> Result<Vec<u8>> {
        match format {
            ImageFormat::Svg => self.to_svg().map(String::into_bytes),
            ImageFormat::Png => self.to_png(),
        }
    }
}

fn render_error(chart: &str, message: String) -> Error {
    Error::Render(format!("drawing chart {chart}: {message}"))
}

/// Result of drawing: plotters' errors as text (they are generic over the backend).
pub(crate) type Drawn<T> = std::result::Result<T, String>;

/// Turn a plotters error into [`Drawn`]'s error.
pub(crate) trait OrDrawn<T> {
    /// The error as text.
    fn d(self) -> Drawn<T>;
}

impl<T, E: std::fmt::Display> OrDrawn<T> for std::result::Result<T, E> {
    fn d(self) -> Drawn<T> {
        self.map_err(|e| e.to_string())
    }
}

/// The bundled font (DejaVu Sans, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Register the bundled font for every family name plotters may ask for (once).
fn ensure_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| plotters::style::register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Render(
            "the bundled chart font could not be loaded".into(),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Shared drawing helpers.

/// The largest PNG drawn, in pixels (the charts cap what they draw well below this).
const MAX_PIXELS: u64 = 40_000_000;

/// Chart width, px.
pub(crate) const WIDTH: u32 = 1000;
/// Height of the title block, px.
pub(crate) const HEADER_H: i32 = 64;

pub(crate) const INK: RGBColor = RGBColor(33, 37, 41);
pub(crate) const MUTED: RGBColor = RGBColor(99, 106, 114);
pub(crate) const GRID: RGBColor = RGBColor(222, 226, 230);

/// Ten distinguishable colours (Tableau 10), for series.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(127, 127, 127),
];

/// A text style in the bundled font.
pub(crate) fn text_style(
    size: f64,
    color: RGBColor,
    bold: bool,
    h: HPos,
    v: VPos,
) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, size, style),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Make text safe to draw: no control characters (not allowed in SVG), at most `max` chars.
pub(crate) fn clean_label(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.chars().count() > max {
        out = out.chars().take(max.saturating_sub(1)).collect::<String>() + "…";
    }
    out
}

/// Draw the title and subtitle; returns the area below them.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Drawn<DrawingArea<DB, Shift>> {
    let (w, _) = root.dim_in_pixel();
    let max = (w as usize / 8).max(20);
    root.draw_text(
        &clean_label(title, max),
        &text_style(24.0, INK, true, HPos::Left, VPos::Top),
        (20, 12),
    )
    .d()?;
    root.draw_text(
        &clean_label(subtitle, max + 40),
        &text_style(14.0, MUTED, false, HPos::Left, VPos::Top),
        (20, 42),
    )
    .d()?;
    Ok(root.clone().split_vertically(HEADER_H).1)
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    /// A filled box.
    Box(RGBColor),
    /// A filled box, faded (estimated figures).
    Faded(RGBColor),
    /// A line.
    Line(RGBColor, u32),
}

/// Draw a legend as rows of entries; returns the area below it.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
) -> Drawn<DrawingArea<DB, Shift>> {
    let (w, _) = area.dim_in_pixel();
    let style = text_style(14.0, INK, false, HPos::Left, VPos::Center);
    let (x0, row_h) = (20i32, 22i32);
    let (mut x, mut y) = (x0, row_h / 2);
    for (swatch, label) in entries {
        let label = clean_label(label, 60);
        let (tw, _) = area.estimate_text_size(&label, &style).d()?;
        let need = 22 + tw as i32 + 18;
        if x > x0 && x + need > w as i32 - 20 {
            x = x0;
            y += row_h;
        }
        match *swatch {
            Swatch::Box(c) => area
                .draw(&Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()))
                .d()?,
            Swatch::Faded(c) => {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 14, y + 6)],
                    c.mix(0.35).filled(),
                ))
                .d()?;
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 14, y + 6)],
                    c.stroke_width(1),
                ))
                .d()?;
            }
            Swatch::Line(c, width) => area
                .draw(&PathElement::new(
                    vec![(x, y), (x + 16, y)],
                    c.stroke_width(width),
                ))
                .d()?,
        }
        area.draw_text(&label, &style, (x + 22, y)).d()?;
        x += need;
    }
    Ok(area.clone().split_vertically(y + row_h / 2 + 6).1)
}

/// Write a "no data" note in the middle of `area`.
pub(crate) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
) -> Drawn<()> {
    let (w, h) = area.dim_in_pixel();
    area.draw_text(
        &clean_label(message, 120),
        &text_style(18.0, MUTED, false, HPos::Center, VPos::Center),
        (w as i32 / 2, h as i32 / 2),
    )
    .d()
}

/// A whole number with thousands separators: `4,010`.
pub(crate) fn fmt_int(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 invocation`, `4,010 invocations`.
pub(crate) fn count_of(n: f64, what: &str) -> String {
    let s = if n.round() == 1.0 { "" } else { "s" };
    format!("{} {what}{s}", fmt_int(n))
}

/// A number for an axis or a label, with `decimals` places (thousands separated).
pub(crate) fn fmt_num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if decimals == 0 {
        return fmt_int(v);
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let int: f64 = int.parse().unwrap_or(0.0);
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    format!("{sign}{}.{frac}", fmt_int(int))
}

/// Decimal places that show a step of `step` distinctly (0 for steps ≥ 1).
pub(crate) fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        return 0;
    }
    (-step.log10().floor()).clamp(0.0, 6.0) as usize
}

/// A duration in ms for a label: `9.7 ms`, `1,091 ms`, `61.2 s`.
pub(crate) fn fmt_ms(v: f64) -> String {
    if !v.is_finite() {
        "n/a".to_string()
    } else if v >= 60_000.0 {
        format!("{} s", fmt_num(v / 1000.0, 1))
    } else if v < 10.0 {
        format!("{} ms", fmt_num(v, 1))
    } else {
        format!("{} ms", fmt_int(v))
    }
}

/// A money amount: `$12.34` for USD, else `12.34 EUR`; small amounts keep 3–4 decimals.
pub(crate) fn fmt_money(v: f64, unit: &str) -> String {
    let decimals = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 1.0 || v == 0.0 {
        2
    } else if v.abs() >= 0.01 {
        3
    } else {
        4
    };
    let n = fmt_num(v, decimals);
    if unit.eq_ignore_ascii_case("USD") {
        format!("${n}")
    } else {
        format!("{n} {unit}")
    }
}

/// A time for a subtitle: `2026-10-03 00:00 UTC`.
pub(crate) fn fmt_time_full(us: i64) -> String {
    let iso = format_iso(us);
    // 2026-10-03T00:00:00.000Z -> 2026-10-03 00:00
    match (iso.get(..10), iso.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => iso,
    }
}

/// The window for a subtitle: the one asked for, else the range the data covers.
pub(crate) fn window_text(window: &Window, data_from: Option<i64>, data_to: Option<i64>) -> String {
    match (window.from, window.to) {
        (None, None) => match (data_from, data_to) {
            (Some(a), Some(b)) => {
                format!("data from {} to {} UTC", fmt_time_full(a), fmt_time_full(b))
            }
            _ => "all data".to_string(),
        },
        (f, t) => format!(
            "window {} to {} UTC",
            f.map_or_else(|| "start".to_string(), fmt_time_full),
            t.map_or_else(|| "end".to_string(), fmt_time_full)
        ),
    }
}

const US_PER_MIN: i64 = 60_000_000;
const US_PER_DAY: i64 = 86_400_000_000;

/// Tick marks for a time axis over `[lo, hi]` µs: aligned to a round step (UTC), at most
/// `max` of them; returns the ticks and the step.
pub(crate) fn time_ticks(lo: i64, hi: i64, max: usize) -> (Vec<i64>, i64) {
    const STEPS_MIN: [i64; 14] = [
        1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080,
    ];
    let span = (hi - lo).max(1);
    let step = STEPS_MIN
        .iter()
        .map(|m| m * US_PER_MIN)
        .find(|s| span / s < max as i64)
        .unwrap_or_else(|| {
            let weeks = span / (7 * US_PER_DAY) / max as i64 + 1;
            weeks * 7 * US_PER_DAY
        });
    // Weeks start on Mondays (1970-01-05), other steps at multiples since the epoch.
    let offset = if step % (7 * US_PER_DAY) == 0 {
        4 * US_PER_DAY
    } else {
        0
    };
    let first = (lo - offset).div_euclid(step) * step
        + offset
        + if (lo - offset).rem_euclid(step) == 0 {
            0
        } else {
            step
        };
    let ticks = (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= hi)
        .collect();
    (ticks, step)
}

/// A tick label for a time axis with tick step `step` µs.
pub(crate) fn fmt_tick(us: i64, step: i64) -> String {
    let Some(dt) = chrono::DateTime::from_timestamp_micros(us) else {
        return String::new();
    };
    if step % US_PER_DAY == 0 {
        dt.format("%b %d").to_string()
    } else if us.rem_euclid(US_PER_DAY) == 0 {
        dt.format("%b %d 00:00").to_string()
    } else {
        dt.format("%H:%M").to_string()
    }
}

/// A "nice" upper bound for an axis starting at 0 that holds `v` (1, 2, 2.5, 5 × 10ⁿ steps).
pub(crate) fn nice_max(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let padded = v * 1.05;
    let mag = 10f64.powf(padded.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * mag >= padded {
            return m * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_for_people() {
        assert_eq!(fmt_int(4010.0), "4,010");
        assert_eq!(fmt_int(-1234567.0), "-1,234,567");
        assert_eq!(fmt_int(12.0), "12");
        assert_eq!(fmt_num(1234.5, 2), "1,234.50");
        assert_eq!(fmt_num(-0.001, 2), "0.00");
        assert_eq!(fmt_ms(1090.65), "1,091 ms");
        assert_eq!(fmt_ms(9.74), "9.7 ms");
        assert_eq!(fmt_ms(61_234.0), "61.2 s");
        assert_eq!(fmt_money(0.1280289, "USD"), "$0.128");
        assert_eq!(fmt_money(12.345, "USD"), "$12.35");
        assert_eq!(fmt_money(0.0008, "EUR"), "0.0008 EUR");
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(20.0), 0);
        assert_eq!(nice_max(0.171), 0.2);
        assert_eq!(nice_max(1090.0), 1200.0);
    }

    #[test]
    fn time_ticks_are_round_utc_times() {
        let t = |s: &str| crate::parse::time::parse_iso(s).unwrap();
        let lo = t("2026-10-03T03:00:00Z");
        let (ticks, step) = time_ticks(lo, lo + 2 * US_PER_DAY, 10);
        assert_eq!(step, 6 * 3_600_000_000);
        assert_eq!(ticks[0], t("2026-10-03T06:00:00Z"));
        assert_eq!(ticks.len(), 8);
        assert_eq!(fmt_tick(ticks[0], step), "06:00");
        assert_eq!(fmt_tick(ticks[3], step), "Oct 04 00:00");
        let (ticks, step) = time_ticks(t("2026-10-03"), t("2026-11-02"), 10);
        assert_eq!(step, 7 * US_PER_DAY);
        assert_eq!(fmt_tick(ticks[0], step), "Oct 05"); // a Monday
    }

    #[test]
    fn labels_lose_control_characters_and_length() {
        assert_eq!(clean_label("a\u{1}b\nc", 10), "a b c");
        assert_eq!(clean_label("abcdefghij", 5), "abcd…");
    }

    #[test]
    fn image_format_comes_from_the_extension() {
        assert_eq!(
            ImageFormat::from_path(Path::new("x/a.SVG")).unwrap(),
            ImageFormat::Svg
        );
        assert_eq!(
            ImageFormat::from_path(Path::new("a.png")).unwrap(),
            ImageFormat::Png
        );
        assert!(ImageFormat::from_path(Path::new("a.jpg")).is_err());
        assert!(chart_info("nope").is_err());
    }
}
