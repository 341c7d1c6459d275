//! Spend per day (or month), stacked by tag value or service.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use polars::prelude::DataFrame;

use super::{
    ChartOptions, Drawn, GRID, HEADER_H, INK, MUTED, OrDrawn, PALETTE, Swatch, WIDTH, decimals_for,
    fmt_money, fmt_num, frames, header, legend, nice_max, no_data, text_style, window_text,
};
use crate::error::Result;

/// Keys drawn with their own colour; the rest are added up as "other".
const MAX_KEYS: usize = 8;
const UNTAGGED: &str = "(untagged)";
const UNTAGGED_COLOR: RGBColor = RGBColor(127, 127, 127);
const OTHER_COLOR: RGBColor = RGBColor(199, 199, 199);
const LEGEND_H: i32 = 80;
const PLOT_H: i32 = 440;
const US_PER_DAY: i64 = 86_400_000_000;

/// One stacked series.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendKey {
    /// Tag value, service, `(untagged)`, or `other (N)`.
    pub label: String,
    /// Amount per period (index into [`SpendDaily::periods`]).
    pub amounts: Vec<f64>,
    /// Total over the periods.
    pub total: f64,
    /// Colour.
    color: RGBColor,
}

/// The data of the `spend` chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendDaily {
    /// The grouping drawn (`TAG:team`, `SERVICE`, …); `None` when there is no data.
    pub dimension: Option<String>,
    /// Period starts, µs UTC, ascending.
    pub periods: Vec<i64>,
    /// Whether each period is (partly) estimated.
    pub estimated: Vec<bool>,
    /// The series, bottom of the stack first.
    pub keys: Vec<SpendKey>,
    /// Currency unit.
    pub unit: String,
    /// Periods are months rather than days.
    pub monthly: bool,
    /// Subtitle.
    pub subtitle: String,
}

/// `TAG:team` → `tag team`, `SERVICE` → `service`, `LINKED_ACCOUNT` → `linked account`.
fn grouping_name(dimension: &str) -> String {
    match dimension.split_once(':') {
        Some((kind, key)) => format!("{} {key}", kind.to_ascii_lowercase().replace('_', " ")),
        None => dimension.to_ascii_lowercase().replace('_', " "),
    }
}

impl SpendDaily {
    /// Read the `spend-daily` report (period_start, dimension, key, amount, unit, estimated).
    /// `by` picks the grouping (compared without regard to case, `tag:team`); without it,
    /// `TAG:team` if present, else the first grouping by name.
    pub fn from_frame(df: &DataFrame, by: Option<&str>, opts: &ChartOptions) -> Result<SpendDaily> {
        const C: &str = "spend";
        let period = frames::time_us(df, C, "period_start")?;
        let dimension = frames::text(df, C, "dimension")?;
        let key = frames::text(df, C, "key")?;
        let amount = frames::num(df, C, "amount")?;
        let unit = frames::text(df, C, "unit")?;
        let estimated = frames::flag(df, C, "estimated")?;

        let dims: std::collections::BTreeSet<&str> =
            dimension.iter().flatten().map(String::as_str).collect();
        let chosen = match by {
            Some(b) => dims
                .iter()
                .find(|d| d.eq_ignore_ascii_case(b))
                .map(|d| d.to_string()),
            None => dims
                .iter()
                .find(|d| d.eq_ignore_ascii_case(super::DEFAULT_SPEND_BY))
                .or_else(|| dims.iter().next())
                .map(|d| d.to_string()),
        };
        let rows: Vec<usize> = (0..df.height())
            .filter(|&i| {
                chosen.is_some()
                    && dimension[i] == chosen
                    && period[i].is_some()
                    && amount[i].is_some()
            })
            .collect();
        let mut units: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in &rows {
            *units.entry(unit[i].as_deref().unwrap_or("")).or_default() += 1;
        }
        let main_unit = units
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(u, _)| u.to_string())
            .unwrap_or_default();
        let rows: Vec<usize> = rows
            .into_iter()
            .filter(|&i| unit[i].as_deref().unwrap_or("") == main_unit)
            .collect();

        let mut periods: Vec<i64> = rows.iter().filter_map(|&i| period[i]).collect();
        periods.sort_unstable();
        periods.dedup();
        let index: BTreeMap<i64, usize> =
            periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let mut est = vec![false; periods.len()];
        let mut per_key: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for &i in &rows {
            let (Some(p), Some(a)) = (period[i], amount[i]) else {
                continue;
            };
            let Some(&j) = index.get(&p) else { continue };
            if estimated[i] == Some(true) {
                est[j] = true;
            }
            let k = key[i]
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| UNTAGGED.to_string());
            per_key.entry(k).or_insert_with(|| vec![0.0; periods.len()])[j] += a;
        }
        let mut ranked: Vec<(String, Vec<f64>, f64)> = per_key
            .into_iter()
            .map(|(k, v)| {
                let t = v.iter().sum();
                (k, v, t)
            })
            .collect();
        ranked.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()).then_with(|| a.0.cmp(&b.0)));
        let mut keys = Vec::new();
        let mut other: Option<(usize, Vec<f64>)> = None;
        let mut colored = 0;
        for (label, amounts, total) in ranked {
            if label == UNTAGGED {
                keys.push(SpendKey {
                    label,
                    amounts,
                    total,
                    color: UNTAGGED_COLOR,
                });
            } else if colored < MAX_KEYS {
                keys.push(SpendKey {
                    label,
                    amounts,
                    total,
                    color: PALETTE[colored],
                });
                colored += 1;
            } else {
                let o = other.get_or_insert_with(|| (0, vec![0.0; periods.len()]));
                o.0 += 1;
                o.1.iter_mut().zip(&amounts).for_each(|(s, a)| *s += a);
            }
        }
        if let Some((n, amounts)) = other {
            let total = amounts.iter().sum();
            keys.push(SpendKey {
                label: format!("other ({n} keys)"),
                amounts,
                total,
                color: OTHER_COLOR,
            });
        }
        let monthly =
            periods.len() > 1 && periods.windows(2).all(|w| w[1] - w[0] >= 28 * US_PER_DAY);
        let total: f64 = keys.iter().map(|k| k.total).sum();
        // The data runs to the end of the last day (for months: to the start of the last one).
        let last = periods
            .last()
            .map(|p| if monthly { *p } else { p + US_PER_DAY });
        let mut subtitle = window_text(&opts.window, periods.first().copied(), last);
        if !keys.is_empty() {
            subtitle.push_str(&format!(" · total {}", fmt_money(total, &main_unit)));
        }
        if est.iter().any(|e| *e) {
            subtitle.push_str(" · faded bars are estimated (not final)");
        }
        if units.len() > 1 {
            subtitle.push_str(&format!(" · only amounts in {main_unit} shown"));
        }
        if chosen.is_some() && dims.len() > 1 {
            subtitle.push_str(&format!(" · {} other groupings not shown", dims.len() - 1));
        }
        Ok(SpendDaily {
            dimension: chosen,
            periods,
            estimated: est,
            keys,
            unit: main_unit,
            monthly,
            subtitle,
        })
    }

    pub(crate) fn rows(&self) -> usize {
        self.keys
            .iter()
            .map(|k| k.amounts.iter().filter(|a| **a != 0.0).count())
            .sum()
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (WIDTH, (HEADER_H + LEGEND_H + PLOT_H + 10) as u32)
    }

    fn title(&self) -> String {
        let per = if self.monthly { "Monthly" } else { "Daily" };
        match &self.dimension {
            Some(d) => format!("{per} spend by {}", grouping_name(d)),
            None => format!("{per} spend"),
        }
    }

    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<()> {
        let body = header(root, &self.title(), &self.subtitle)?;
        if self.keys.is_empty() || self.periods.is_empty() {
            return no_data(&body, "No costs for this grouping in this window");
        }
        let untagged_note = match self.dimension.as_deref().and_then(|d| d.split_once(':')) {
            Some((kind, key)) if kind.eq_ignore_ascii_case("TAG") => format!(" = no {key} tag"),
            _ => String::new(),
        };
        let mut entries: Vec<(Swatch, String)> = self
            .keys
            .iter()
            .map(|k| {
                let note = if k.label == UNTAGGED {
                    untagged_note.as_str()
                } else {
                    ""
                };
                (
                    Swatch::Box(k.color),
                    format!("{}{note}: {}", k.label, fmt_money(k.total, &self.unit)),
                )
            })
            .collect();
        if self.estimated.iter().any(|e| *e) {
            entries.push((Swatch::Faded(MUTED), "estimated".to_string()));
        }
        let (legend_area, plot) = body.split_vertically(LEGEND_H);
        legend(&legend_area, &entries)?;

        let n = self.periods.len();
        let (mut top, mut bottom) = (0f64, 0f64);
        for j in 0..n {
            let pos: f64 = self.keys.iter().map(|k| k.amounts[j].max(0.0)).sum();
            let neg: f64 = self.keys.iter().map(|k| k.amounts[j].min(0.0)).sum();
            top = top.max(pos);
            bottom = bottom.min(neg);
        }
        let y_max = nice_max(top);
        let y_min = if bottom < 0.0 {
            -nice_max(-bottom)
        } else {
            0.0
        };
        let every = n.div_ceil(12).max(1);
        // x in hundredths of a period (plotters' key points need an integer axis).
        let ticks: Vec<i64> = (0..n).step_by(every).map(|i| i as i64 * 100).collect();
        let label_fmt = if self.monthly { "%b %Y" } else { "%b %d" };
        let periods = &self.periods;
        let x_fmt = |v: &i64| {
            let i = (*v as f64 / 100.0).round();
            if i < 0.0 || (i as usize) >= periods.len() {
                return String::new();
            }
            chrono::DateTime::from_timestamp_micros(periods[i as usize])
                .map(|d| d.format(label_fmt).to_string())
                .unwrap_or_default()
        };
        let decimals = decimals_for((y_max - y_min) / 5.0);
        let y_fmt = |v: &f64| fmt_num(*v, decimals);
        let mut chart = ChartBuilder::on(&plot.margin(0, 10, 10, 20))
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(72)
            .build_cartesian_2d(
                (-50i64..n as i64 * 100 - 50).with_key_points(ticks),
                y_min..y_max,
            )
            .d()?;
        chart
            .configure_mesh()
            .x_desc(if self.monthly {
                "month (UTC)"
            } else {
                "day (UTC)"
            })
            .y_desc(format!(
                "cost per {} ({})",
                if self.monthly { "month" } else { "day" },
                self.unit
            ))
            .y_labels(6)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(text_style(12.0, MUTED, false, HPos::Center, VPos::Center))
            .axis_desc_style(text_style(13.0, INK, false, HPos::Center, VPos::Center))
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .disable_x_mesh()
            .draw()
            .d()?;
        for j in 0..n {
            let (x0, x1) = (j as i64 * 100 - 38, j as i64 * 100 + 38);
            let (mut up, mut down) = (0f64, 0f64);
            for k in &self.keys {
                let a = k.amounts[j];
                if a == 0.0 {
                    continue;
                }
                let (y0, y1) = if a > 0.0 {
                    up += a;
                    (up - a, up)
                } else {
                    down += a;
                    (down, down - a)
                };
                let fill = if self.estimated[j] {
                    k.color.mix(0.4).filled()
                } else {
                    k.color.filled()
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new([(x0, y0), (x1, y1)], fill)))
                    .d()?;
                if self.estimated[j] {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, y0), (x1, y1)],
                            k.color.stroke_width(1),
                        )))
                        .d()?;
                }
            }
            if self.estimated[j] {
                let style = text_style(11.0, MUTED, false, HPos::Center, VPos::Bottom);
                chart
                    .draw_series(std::iter::once(Text::new(
                        "est.",
                        (j as i64 * 100, up),
                        style,
                    )))
                    .d()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn frame() -> DataFrame {
        df!(
            "period_start" => ["2026-10-03", "2026-10-03", "2026-10-04", "2026-10-04", "2026-10-04", "2026-10-03"],
            "dimension" => ["TAG:team", "TAG:team", "TAG:team", "TAG:team", "TAG:team", "SERVICE"],
            "key" => ["(untagged)", "orders", "(untagged)", "orders", "payments", "AWS Lambda"],
            "amount" => [0.5, 0.2, 0.25, 0.3, 0.01, 9.0],
            "unit" => ["USD"; 6],
            "estimated" => [false, false, true, true, true, false],
        )
        .unwrap()
    }

    #[test]
    fn spend_picks_the_grouping_and_keeps_untagged() {
        let s = SpendDaily::from_frame(&frame(), None, &ChartOptions::default()).unwrap();
        assert_eq!(s.dimension.as_deref(), Some("TAG:team"));
        assert_eq!(s.periods.len(), 2);
        assert_eq!(s.estimated, vec![false, true]);
        let labels: Vec<&str> = s.keys.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(labels, ["(untagged)", "orders", "payments"]);
        assert!((s.keys[0].total - 0.75).abs() < 1e-12);
        assert!(
            s.subtitle.contains("total $1.26") && s.subtitle.contains("1 other groupings"),
            "{}",
            s.subtitle
        );
        let svg = super::super::Chart::Spend(s).to_svg().unwrap();
        assert!(svg.contains("Daily spend by tag team"), "{svg}");
        assert!(svg.contains("(untagged) = no team tag: $0.750"), "{svg}");
        assert!(svg.contains("est."), "{svg}");

        let s =
            SpendDaily::from_frame(&frame(), Some("service"), &ChartOptions::default()).unwrap();
        assert_eq!(s.dimension.as_deref(), Some("SERVICE"));
        assert_eq!(s.keys.len(), 1);
        let none =
            SpendDaily::from_frame(&frame(), Some("tag:env"), &ChartOptions::default()).unwrap();
        assert!(none.keys.is_empty());
        assert!(
            super::super::Chart::Spend(none)
                .to_svg()
                .unwrap()
                .contains("No costs")
        );
    }
}
