//! Cost Explorer (GetCostAndUsage, GetTags) and CUR line items (legacy CSV, CUR 2.0 CSV/Parquet).
//!
//! # Cost Explorer (`source = ce`)
//! One row per figure: period × group × metric. `GroupDefinitions` name the groupings:
//! `DIMENSION` → its key (`SERVICE`, `LINKED_ACCOUNT`, …), `TAG` → `TAG:<key>`,
//! `COST_CATEGORY` → `COST_CATEGORY:<name>`. Tag and cost-category group keys come as
//! `key$value`; the value is kept, and an empty value (`team$`) becomes
//! [`UNTAGGED`](crate::model::costs::UNTAGGED), never dropped. A second grouping goes to
//! `dimension2`/`key2`.
//!
//! When a page has no `GroupDefinitions`, the definitions of the previous page of the same
//! input are used; when no page had any, the dimension is inferred from the key's shape:
//! `k$v` → `TAG:k` (value `v`, or `(untagged)`), anything else → [`INFERRED_DIMENSION`].
//! `Total` figures become rows with dimension [`TOTAL_DIMENSION`] and an empty key, whenever
//! `Total` has metrics (so a day with `Groups: []` stays visible). Amounts are decimal
//! strings (numbers are accepted too); units are kept as written. Pages may follow one
//! another in one input, or come as a JSON array of responses. The CE documents are small
//! (one API page each), so they are walked as [`serde_json::Value`]s: this keeps one bad
//! group from costing the whole page.
//!
//! # CUR (`source = cur`)
//! Line items (legacy CSV, CUR 2.0 CSV or Parquet) are summed into daily rows: each line item
//! counts on the UTC day of its usage start. For every day and currency: `TOTAL` (key ``),
//! `SERVICE` (key = product name, else product code, else service code, else
//! [`UNKNOWN_SERVICE`]) and, for every tag key found in the input, `TAG:<key>` (key = value,
//! or `(untagged)` for the line items without it). Metrics: [`CUR_METRICS`], each only when
//! its column exists. Unit = the currency code (default `USD`). A day is `estimated` when a
//! `bill/InvoiceId` column exists and one of the day's line items has it blank (the CUR user
//! guide: the invoice ID stays blank until the bill is final).
//!
//! Columns are matched by name, ignoring case, `/` and `_`, so `lineItem/UnblendedCost` and
//! `line_item_unblended_cost` are the same column. Tags come in three forms:
//! legacy `resourceTags/user:team` → `team`; CUR 2.0 flattened `resource_tags_user_team` →
//! `team`; CUR 2.0 map `resource_tags` (`{"user_team":"payments"}` in CSV, a Parquet map or
//! a JSON string in Parquet) → `team`. A `user:`/`user_` prefix is dropped; `aws_` becomes
//! `aws:` (`aws_createdBy` → `aws:createdBy`). CUR 2.0 sanitises tag keys, so
//! `cost-center` arrives as `cost_center` and stays so.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use polars::prelude::*;
use serde_json::{Map, Value};

use super::{Batch, ParseContext, SkipReason, time};
use crate::model::builders::CostRow;
use crate::model::costs::UNTAGGED;

/// `source` of rows read from Cost Explorer.
pub const SOURCE_CE: &str = "ce";
/// `source` of rows aggregated from CUR line items.
pub const SOURCE_CUR: &str = "cur";
/// Dimension of the ungrouped total (its key is the empty string).
pub const TOTAL_DIMENSION: &str = "TOTAL";
/// Dimension of a CE group whose grouping is neither defined nor recognisable by shape.
pub const INFERRED_DIMENSION: &str = "GROUP";
/// SERVICE key of a CUR line item with no product name, product code or service code.
pub const UNKNOWN_SERVICE: &str = "(unknown)";
/// Metrics summed from CUR line items, in output order.
pub const CUR_METRICS: [&str; 3] = ["UnblendedCost", "BlendedCost", "NetUnblendedCost"];

const DAY_US: i64 = 86_400_000_000;
const DEFAULT_CURRENCY: &str = "USD";

// ------------------------------------------------------------------------------------------
// JSON documents (CE responses): one after another, or arrays of them.
// ------------------------------------------------------------------------------------------

/// Call `f` on every top-level JSON value of `input`. A malformed value is counted once as
/// [`SkipReason::MalformedJson`]; reading resumes at the next line that opens a document.
fn for_each_document(input: &[u8], out: &mut Batch, mut f: impl FnMut(&Value, &mut Batch)) {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut pos = 0usize;
    while pos < input.len() {
        let mut stream = serde_json::Deserializer::from_slice(&input[pos..]).into_iter::<Value>();
        let resume = loop {
            match stream.next() {
                None => return,
                Some(Ok(v)) => f(&v, out),
                Some(Err(_)) => {
                    out.records += 1;
                    out.skip(SkipReason::MalformedJson);
                    break next_document_start(input, pos + stream.byte_offset() + 1);
                }
            }
        };
        match resume {
            Some(p) => pos = p,
            None => return,
        }
    }
}

/// The next position at or after `from` that starts a line with `{` or `[`.
fn next_document_start(input: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < input.len() {
        let next = memchr::memchr(b'\n', &input[i..])? + i + 1;
        if matches!(input.get(next), Some(b'{' | b'[')) {
            return Some(next);
        }
        i = next;
    }
    None
}

/// Whether two keys are equal ignoring ASCII case and `_` (`ResultsByTime` = `results_by_time`).
fn key_eq(a: &str, b: &str) -> bool {
    let mut x = a.bytes().filter(|c| *c != b'_');
    let mut y = b.bytes().filter(|c| *c != b'_');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(&q) => {}
            _ => return false,
        }
    }
}

/// A member of `m` by key: exact first, then ignoring case and `_`.
fn field<'v>(m: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    m.get(name)
        .or_else(|| m.iter().find(|(k, _)| key_eq(k, name)).map(|(_, v)| v))
}

/// A decimal amount; non-finite values are not amounts.
fn parse_amount(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

// ------------------------------------------------------------------------------------------
// Cost Explorer GetCostAndUsage
// ------------------------------------------------------------------------------------------

/// One grouping of a CE response, from `GroupDefinitions`.
#[derive(Debug, Clone)]
struct GroupDim {
    /// `SERVICE`, `TAG:team`, `COST_CATEGORY:name`, …
    label: String,
    /// Whether group keys are `name$value` (tags and cost categories).
    split_value: bool,
}

fn group_dim(def: &Value) -> Option<GroupDim> {
    let Value::Object(d) = def else { return None };
    let key = field(d, "Key").and_then(Value::as_str)?;
    let kind = field(d, "Type")
        .and_then(Value::as_str)
        .unwrap_or("DIMENSION");
    let upper = kind.to_ascii_uppercase();
    Some(match upper.as_str() {
        "DIMENSION" => GroupDim {
            label: key.to_owned(),
            split_value: false,
        },
        "TAG" | "TAGS" => GroupDim {
            label: format!("TAG:{key}"),
            split_value: true,
        },
        "COST_CATEGORY" => GroupDim {
            label: format!("COST_CATEGORY:{key}"),
            split_value: true,
        },
        _ => GroupDim {
            label: format!("{upper}:{key}"),
            split_value: key.is_empty(),
        },
    })
}

/// The dimension and key of one group key.
fn group_key<'a>(dim: Option<&'a GroupDim>, raw: &'a str) -> (Cow<'a, str>, &'a str) {
    let value = |v: &'a str| if v.is_empty() { UNTAGGED } else { v };
    match dim {
        Some(d) if d.split_value => match raw.split_once('$') {
            Some((_, v)) => (Cow::Borrowed(d.label.as_str()), value(v)),
            None => (Cow::Borrowed(d.label.as_str()), raw),
        },
        Some(d) => (Cow::Borrowed(d.label.as_str()), raw),
        None => match raw.split_once('$') {
            Some((k, v)) if !k.is_empty() => (Cow::Owned(format!("TAG:{k}")), value(v)),
            _ => (Cow::Borrowed(INFERRED_DIMENSION), raw),
        },
    }
}

/// GetCostAndUsage output: one page, several pages one after another, or a JSON array of pages.
///
/// Each figure read counts as a record; see the module docs for the row layout.
pub fn parse_cost_and_usage(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    // Group definitions carry over to later pages of the same input that lack them.
    let mut dims: Option<Vec<Option<GroupDim>>> = None;
    for_each_document(input, out, |v, out| match v {
        Value::Object(m) => ce_page(m, &mut dims, out),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) => ce_page(m, &mut dims, out),
                    _ => {
                        out.records += 1;
                        out.skip(SkipReason::BadValue);
                    }
                }
            }
        }
        _ => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
        }
    });
}

fn ce_page(m: &Map<String, Value>, dims: &mut Option<Vec<Option<GroupDim>>>, out: &mut Batch) {
    if let Some(Value::Array(defs)) = field(m, "GroupDefinitions") {
        *dims = Some(defs.iter().map(group_dim).collect());
    }
    let results = match field(m, "ResultsByTime") {
        Some(Value::Array(r)) => r,
        Some(Value::Null) | None => {
            out.records += 1;
            out.skip(SkipReason::MissingField);
            return;
        }
        Some(_) => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
            return;
        }
    };
    let dims = dims.as_deref().unwrap_or(&[]);
    for r in results {
        ce_result(r, dims, out);
    }
}

/// `TimePeriod` → (start, end).
fn ce_period(r: &Map<String, Value>) -> Result<(i64, Option<i64>), SkipReason> {
    let Some(tp) = field(r, "TimePeriod") else {
        return Err(SkipReason::MissingField);
    };
    let Value::Object(tp) = tp else {
        return Err(SkipReason::BadValue);
    };
    let start = match field(tp, "Start") {
        Some(Value::String(s)) => time::parse_iso(s).ok_or(SkipReason::BadValue)?,
        None | Some(Value::Null) => return Err(SkipReason::MissingField),
        Some(_) => return Err(SkipReason::BadValue),
    };
    let end = match field(tp, "End") {
        Some(Value::String(s)) => Some(time::parse_iso(s).ok_or(SkipReason::BadValue)?),
        None | Some(Value::Null) => None,
        Some(_) => return Err(SkipReason::BadValue),
    };
    Ok((start, end))
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn ce_result(r: &Value, dims: &[Option<GroupDim>], out: &mut Batch) {
    let Value::Object(r) = r else {
        out.records += 1;
        out.skip(SkipReason::BadValue);
        return;
    };
    let (start, end) = match ce_period(r) {
        Ok(p) => p,
        Err(reason) => {
            out.records += 1;
            out.skip(reason);
            return;
        }
    };
    let estimated = field(r, "Estimated").is_some_and(truthy);
    let base = CostRow {
        source: Some(SOURCE_CE),
        period_start: Some(start),
        period_end: end,
        estimated: Some(estimated),
        ..Default::default()
    };
    match field(r, "Total") {
        Some(Value::Object(total)) => {
            let row = CostRow {
                dimension: Some(TOTAL_DIMENSION),
                key: Some(""),
                ..base.clone()
            };
            ce_metrics(total, &row, out);
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
        }
    }
    match field(r, "Groups") {
        Some(Value::Array(groups)) => {
            for g in groups {
                ce_group(g, dims, &base, out);
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
        }
    }
}

fn ce_group(g: &Value, dims: &[Option<GroupDim>], base: &CostRow<'_>, out: &mut Batch) {
    let fail = |out: &mut Batch, reason| {
        out.records += 1;
        out.skip(reason);
    };
    let Value::Object(g) = g else {
        return fail(out, SkipReason::BadValue);
    };
    let keys: Vec<&str> = match field(g, "Keys") {
        Some(Value::Array(ks)) => match ks.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
            Some(k) => k,
            None => return fail(out, SkipReason::BadValue),
        },
        None | Some(Value::Null) => return fail(out, SkipReason::MissingField),
        Some(_) => return fail(out, SkipReason::BadValue),
    };
    let metrics = match field(g, "Metrics") {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => return fail(out, SkipReason::MissingField),
        Some(_) => return fail(out, SkipReason::BadValue),
    };
    // Cost Explorer groups by at most two keys.
    let (d1, k1, d2, k2) = match keys.as_slice() {
        [] => return fail(out, SkipReason::MissingField),
        [a] => {
            let (d, k) = group_key(dims.first().and_then(Option::as_ref), a);
            (d, k, None, None)
        }
        [a, b] => {
            let (d, k) = group_key(dims.first().and_then(Option::as_ref), a);
            let (e, l) = group_key(dims.get(1).and_then(Option::as_ref), b);
            (d, k, Some(e), Some(l))
        }
        _ => return fail(out, SkipReason::Unsupported),
    };
    let row = CostRow {
        dimension: Some(d1.as_ref()),
        key: Some(k1),
        dimension2: d2.as_deref(),
        key2: k2,
        ..base.clone()
    };
    ce_metrics(metrics, &row, out);
}

/// One row per metric of `metrics` (`{"UnblendedCost": {"Amount": "1.2", "Unit": "USD"}}`).
fn ce_metrics(metrics: &Map<String, Value>, row: &CostRow<'_>, out: &mut Batch) {
    for (name, mv) in metrics {
        out.records += 1;
        let Value::Object(mv) = mv else {
            out.skip(SkipReason::BadValue);
            continue;
        };
        let amount = match field(mv, "Amount") {
            Some(Value::String(s)) => parse_amount(s),
            Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
            None | Some(Value::Null) => {
                out.skip(SkipReason::MissingField);
                continue;
            }
            Some(_) => None,
        };
        let Some(amount) = amount else {
            out.skip(SkipReason::BadValue);
            continue;
        };
        let unit = field(mv, "Unit").and_then(Value::as_str);
        out.costs.push(&CostRow {
            metric: Some(name.as_str()),
            amount: Some(amount),
            unit,
            ..row.clone()
        });
    }
}

// ------------------------------------------------------------------------------------------
// Cost Explorer GetTags
// ------------------------------------------------------------------------------------------

/// GetTags output (one page, pages one after another, or an array of pages): the tag keys
/// go to [`Batch::tag_keys`], deduplicated, in order of first appearance. Each key is a record.
pub fn parse_tags(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    let mut seen: HashSet<String> = out.tag_keys.iter().cloned().collect();
    for_each_document(input, out, |v, out| match v {
        Value::Object(m) => tags_page(m, &mut seen, out),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) => tags_page(m, &mut seen, out),
                    _ => {
                        out.records += 1;
                        out.skip(SkipReason::BadValue);
                    }
                }
            }
        }
        _ => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
        }
    });
}

fn tags_page(m: &Map<String, Value>, seen: &mut HashSet<String>, out: &mut Batch) {
    let tags = match field(m, "Tags") {
        Some(Value::Array(t)) => t,
        None | Some(Value::Null) => {
            out.records += 1;
            out.skip(SkipReason::MissingField);
            return;
        }
        Some(_) => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
            return;
        }
    };
    for t in tags {
        out.records += 1;
        match t {
            Value::String(s) => {
                if seen.insert(s.clone()) {
                    out.tag_keys.push(s.clone());
                }
            }
            _ => out.skip(SkipReason::BadValue),
        }
    }
}

// ------------------------------------------------------------------------------------------
// CUR: column layout
// ------------------------------------------------------------------------------------------

/// Where the columns Skylens reads sit in a CUR header.
#[derive(Debug, Default, Clone)]
struct Layout {
    start: Option<usize>,
    interval: Option<usize>,
    product_name: Option<usize>,
    product_code: Option<usize>,
    service_code: Option<usize>,
    product_map: Option<usize>,
    currency: Option<usize>,
    invoice: Option<usize>,
    cost: [Option<usize>; 3],
    /// Flattened tag columns: (column, tag key).
    tag_cols: Vec<(usize, String)>,
    tag_map: Option<usize>,
    width: usize,
}

impl Layout {
    fn has_time(&self) -> bool {
        self.start.is_some() || self.interval.is_some()
    }

    fn has_cost(&self) -> bool {
        self.cost.iter().any(Option::is_some)
    }

    fn present(&self) -> [bool; 3] {
        self.cost.map(|c| c.is_some())
    }

    /// Every column read, for a Parquet projection.
    fn columns(&self) -> Vec<usize> {
        let mut c: Vec<usize> = [
            self.start,
            self.interval,
            self.product_name,
            self.product_code,
            self.service_code,
            self.product_map,
            self.currency,
            self.invoice,
            self.tag_map,
        ]
        .into_iter()
        .chain(self.cost)
        .flatten()
        .chain(self.tag_cols.iter().map(|(i, _)| *i))
        .collect();
        c.sort_unstable();
        c.dedup();
        c
    }
}

/// A column name lower-cased without `/`, `_`, `.` and spaces.
fn norm_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '/' | '_' | '.' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The tag key of a flattened tag column, if `name` is one.
fn tag_column_key(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("resourcetags/") {
        let rest = &name["resourcetags/".len()..];
        let key = rest.strip_prefix("user:").unwrap_or(rest);
        return (!key.is_empty()).then(|| key.to_owned());
    }
    for prefix in ["resource_tags_", "resource_tags."] {
        if lower.starts_with(prefix) {
            let key = cur2_tag_key(&name[prefix.len()..]);
            return (!key.is_empty()).then(|| key.into_owned());
        }
    }
    None
}

/// A CUR 2.0 tag key (`user_team`, `aws_createdBy`) as a tag key (`team`, `aws:createdBy`).
fn cur2_tag_key(k: &str) -> Cow<'_, str> {
    if let Some(r) = k.strip_prefix("user_").or_else(|| k.strip_prefix("user:")) {
        Cow::Borrowed(r)
    } else if let Some(r) = k.strip_prefix("aws_") {
        Cow::Owned(format!("aws:{r}"))
    } else {
        Cow::Borrowed(k)
    }
}

fn classify<'n>(names: impl IntoIterator<Item = &'n str>) -> Layout {
    let mut l = Layout::default();
    for (i, raw) in names.into_iter().enumerate() {
        l.width = i + 1;
        let raw = raw.trim();
        if let Some(key) = tag_column_key(raw) {
            if !l.tag_cols.iter().any(|(_, k)| *k == key) {
                l.tag_cols.push((i, key));
            }
            continue;
        }
        let slot = match norm_name(raw).as_str() {
            "lineitemusagestartdate" => &mut l.start,
            "identitytimeinterval" => &mut l.interval,
            "productproductname" | "productname" => &mut l.product_name,
            "lineitemproductcode" => &mut l.product_code,
            "productservicecode" => &mut l.service_code,
            "product" => &mut l.product_map,
            "lineitemcurrencycode" => &mut l.currency,
            "billinvoiceid" => &mut l.invoice,
            "lineitemunblendedcost" => &mut l.cost[0],
            "lineitemblendedcost" => &mut l.cost[1],
            "lineitemnetunblendedcost" => &mut l.cost[2],
            "resourcetags" => &mut l.tag_map,
            _ => continue,
        };
        slot.get_or_insert(i);
    }
    l
}

/// A row that repeats a header (CUR files concatenated, each part with its header).
fn is_header_row(rec: &csv::ByteRecord) -> bool {
    rec.iter().any(|f| {
        std::str::from_utf8(f).is_ok_and(|s| {
            matches!(
                norm_name(s.trim()).as_str(),
                "lineitemusagestartdate" | "identitylineitemid"
            )
        })
    })
}

/// The fields of one line item other than costs, dates and tags.
#[derive(Default)]
struct ItemFields<'a> {
    product_name: Option<&'a str>,
    product_code: Option<&'a str>,
    service_code: Option<&'a str>,
    /// `product` map of CUR 2.0 as text (CSV): its `product_name` is used.
    product_map_text: Option<&'a str>,
    /// `product_name` from a Parquet `product` map.
    product_map_name: Option<&'a str>,
    currency: Option<&'a str>,
    invoice: Option<&'a str>,
}

impl<'a> ItemFields<'a> {
    /// The SERVICE key, or `None` when the input has no product column at all.
    fn service(&self, l: &Layout) -> Option<Cow<'a, str>> {
        if l.product_name.is_none()
            && l.product_code.is_none()
            && l.service_code.is_none()
            && l.product_map.is_none()
        {
            return None;
        }
        if let Some(s) = self.product_name.or(self.product_map_name) {
            return Some(Cow::Borrowed(s));
        }
        if let Some(text) = self.product_map_text.filter(|t| t.contains("product_name")) {
            let mut name = None;
            // A malformed product map only loses the product name.
            let _ = parse_map_text(text, |k, v| {
                if k == "product_name" && !v.trim().is_empty() && name.is_none() {
                    name = Some(v.trim().to_owned());
                }
            });
            if let Some(n) = name {
                return Some(Cow::Owned(n));
            }
        }
        Some(Cow::Borrowed(
            self.product_code
                .or(self.service_code)
                .unwrap_or(UNKNOWN_SERVICE),
        ))
    }

    fn unit(&self) -> &'a str {
        self.currency.unwrap_or(DEFAULT_CURRENCY)
    }

    fn estimated(&self, l: &Layout) -> bool {
        l.invoice.is_some() && self.invoice.is_none()
    }
}

/// Read a map written as text: JSON (`{"user_team":"payments"}`) or Hive/Athena
/// (`{user_team=payments, user_env=prod}`). Calls `f` for each pair with a value.
fn parse_map_text(text: &str, mut f: impl FnMut(&str, &str)) -> Result<(), ()> {
    let t = text.trim();
    if t.is_empty() || t == "null" || t == "{}" {
        return Ok(());
    }
    if !t.starts_with('{') || !t.ends_with('}') {
        return Err(());
    }
    if let Ok(m) = serde_json::from_str::<Map<String, Value>>(t) {
        for (k, v) in &m {
            match v {
                Value::String(s) => f(k, s),
                Value::Null => {}
                other => f(k, &other.to_string()),
            }
        }
        return Ok(());
    }
    let inner = &t[1..t.len() - 1];
    if inner.contains('"') {
        return Err(());
    }
    for pair in inner.split(',') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').ok_or(())?;
        f(k.trim(), v.trim());
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// CUR: daily aggregation
// ------------------------------------------------------------------------------------------

/// Sums of the CUR metrics over some line items, and how many there were.
#[derive(Debug, Default, Clone)]
struct Fig {
    sums: [f64; 3],
    rows: u64,
}

impl Fig {
    fn add(&mut self, costs: &[Option<f64>; 3]) {
        for (s, c) in self.sums.iter_mut().zip(costs) {
            *s += c.unwrap_or(0.0);
        }
        self.rows += 1;
    }
}

#[derive(Debug, Default)]
struct TagAgg {
    untagged: Fig,
    values: HashMap<String, Fig>,
}

#[derive(Debug, Default)]
struct DayAgg {
    estimated: bool,
    seen: [bool; 3],
    total: Fig,
    service: HashMap<String, Fig>,
    /// One per tag key, in [`CurAgg::tag_keys`] order.
    tags: Vec<TagAgg>,
}

/// Line items summed per (day, currency).
#[derive(Debug, Default)]
struct CurAgg {
    tag_keys: Vec<String>,
    tag_index: HashMap<String, usize>,
    units: Vec<String>,
    days: HashMap<(i64, usize), DayAgg>,
    /// Tag values of the line item being read, by tag key index (empty = not set).
    row_vals: Vec<String>,
}

fn add_to(map: &mut HashMap<String, Fig>, key: &str, costs: &[Option<f64>; 3]) {
    match map.get_mut(key) {
        Some(f) => f.add(costs),
        None => {
            let mut f = Fig::default();
            f.add(costs);
            map.insert(key.to_owned(), f);
        }
    }
}

impl CurAgg {
    /// The index of tag key `key`, registering it. Days already summed get the key with all
    /// their line items so far as untagged (they did not carry it).
    fn tag_key(&mut self, key: &str) -> usize {
        if let Some(&i) = self.tag_index.get(key) {
            return i;
        }
        let i = self.tag_keys.len();
        self.tag_keys.push(key.to_owned());
        self.tag_index.insert(key.to_owned(), i);
        self.row_vals.push(String::new());
        for d in self.days.values_mut() {
            d.tags.push(TagAgg {
                untagged: d.total.clone(),
                values: HashMap::new(),
            });
        }
        i
    }

    /// Set the current line item's value of tag `idx` (blank = untagged).
    fn set_tag(&mut self, idx: usize, value: &str) {
        if let Some(v) = self.row_vals.get_mut(idx) {
            v.clear();
            v.push_str(value.trim());
        }
    }

    /// Set a tag of the current line item by its CUR 2.0 map key.
    fn set_map_tag(&mut self, raw_key: &str, value: &str) {
        let key = cur2_tag_key(raw_key.trim());
        if key.is_empty() {
            return;
        }
        let idx = self.tag_key(&key);
        self.set_tag(idx, value);
    }

    /// Forget the tags of a line item that is not added.
    fn clear_row(&mut self) {
        self.row_vals.iter_mut().for_each(String::clear);
    }

    fn unit(&mut self, u: &str) -> usize {
        match self.units.iter().position(|x| x == u) {
            Some(i) => i,
            None => {
                self.units.push(u.to_owned());
                self.units.len() - 1
            }
        }
    }

    /// Add the current line item (its tags set before) and clear its tags.
    fn add(
        &mut self,
        day: i64,
        unit: &str,
        service: Option<&str>,
        costs: &[Option<f64>; 3],
        present: [bool; 3],
        estimated: bool,
    ) {
        let u = self.unit(unit);
        let n_tags = self.tag_keys.len();
        let d = self.days.entry((day, u)).or_insert_with(|| DayAgg {
            tags: (0..n_tags).map(|_| TagAgg::default()).collect(),
            ..Default::default()
        });
        d.estimated |= estimated;
        for (s, p) in d.seen.iter_mut().zip(present) {
            *s |= p;
        }
        d.total.add(costs);
        if let Some(svc) = service {
            add_to(&mut d.service, svc, costs);
        }
        for (t, v) in d.tags.iter_mut().zip(self.row_vals.iter_mut()) {
            if v.is_empty() {
                t.untagged.add(costs);
            } else {
                add_to(&mut t.values, v, costs);
                v.clear();
            }
        }
    }

    /// Push the daily rows, in (day, currency) order.
    fn emit(self, out: &mut Batch) {
        let mut keys: Vec<(i64, usize)> = self.days.keys().copied().collect();
        keys.sort_unstable_by(|a, b| (a.0, &self.units[a.1]).cmp(&(b.0, &self.units[b.1])));
        let tag_dims: Vec<String> = self.tag_keys.iter().map(|k| format!("TAG:{k}")).collect();
        for k in keys {
            let Some(d) = self.days.get(&k) else { continue };
            let base = CostRow {
                source: Some(SOURCE_CUR),
                period_start: Some(k.0),
                period_end: k.0.checked_add(DAY_US),
                unit: Some(self.units[k.1].as_str()),
                estimated: Some(d.estimated),
                ..Default::default()
            };
            let push = |out: &mut Batch, dim: &str, key: &str, fig: &Fig| {
                for (m, metric) in CUR_METRICS.iter().enumerate() {
                    if d.seen[m] {
                        out.costs.push(&CostRow {
                            dimension: Some(dim),
                            key: Some(key),
                            metric: Some(*metric),
                            amount: Some(fig.sums[m]),
                            ..base.clone()
                        });
                    }
                }
            };
            push(out, TOTAL_DIMENSION, "", &d.total);
            let mut services: Vec<(&String, &Fig)> = d.service.iter().collect();
            services.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (s, f) in services {
                push(out, "SERVICE", s, f);
            }
            for (dim, t) in tag_dims.iter().zip(&d.tags) {
                let mut values: Vec<(&String, &Fig)> = t.values.iter().collect();
                values.sort_unstable_by(|a, b| a.0.cmp(b.0));
                for (v, f) in values {
                    push(out, dim, v, f);
                }
                if t.untagged.rows > 0 {
                    push(out, dim, UNTAGGED, &t.untagged);
                }
            }
        }
    }
}

/// µs → UTC midnight of that day.
fn day_of(us: i64) -> i64 {
    us.div_euclid(DAY_US) * DAY_US
}

/// A usage start (`2024-01-01T00:00:00Z`) or time interval (`start/end`) → its UTC day.
fn day_of_text(s: &str, interval: bool) -> Result<i64, SkipReason> {
    let s = s.trim();
    let s = if interval {
        s.split('/').next().unwrap_or(s)
    } else {
        s
    };
    if s.is_empty() {
        return Err(SkipReason::MissingField);
    }
    time::parse_iso(s).map(day_of).ok_or(SkipReason::BadValue)
}

// ------------------------------------------------------------------------------------------
// CUR as CSV
// ------------------------------------------------------------------------------------------

/// CUR line items as CSV (legacy or 2.0), summed into daily rows (see the module docs).
///
/// Each data row is a record. A row whose width differs from the header is
/// [`SkipReason::MalformedCsv`]; a usage start or cost that is not a time or a number is
/// [`SkipReason::BadValue`], and the row is not added. A repeated header row (CUR parts
/// concatenated) starts a new layout.
pub fn parse_cur_csv(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut rec = csv::ByteRecord::new();
    let mut agg = CurAgg::default();
    let mut layout: Option<(Layout, Vec<usize>)> = None;
    // The last usage start read and its day: line items of one hour share it.
    let mut last_start: Vec<u8> = Vec::new();
    let mut last_day: Option<i64> = None;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                out.records += 1;
                out.skip(SkipReason::MalformedCsv);
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        }
        let Some((l, tag_idx)) = &layout else {
            layout = Some(csv_header(&rec, &mut agg));
            continue;
        };
        let time_col = l.start.or(l.interval);
        let start_field = time_col.and_then(|i| rec.get(i));
        if !start_field.is_some_and(|f| f.first().is_some_and(u8::is_ascii_digit))
            && is_header_row(&rec)
        {
            layout = Some(csv_header(&rec, &mut agg));
            last_day = None;
            continue;
        }
        out.records += 1;
        if rec.len() != l.width {
            out.skip(SkipReason::MalformedCsv);
            continue;
        }
        if !l.has_time() || !l.has_cost() {
            out.skip(SkipReason::MissingField);
            continue;
        }
        // Day of the usage start.
        let start_field = start_field.unwrap_or_default();
        let day = match last_day {
            Some(d) if last_start == start_field => d,
            _ => {
                let parsed = std::str::from_utf8(start_field)
                    .map_err(|_| SkipReason::InvalidUtf8)
                    .and_then(|s| day_of_text(s, l.start.is_none()));
                match parsed {
                    Ok(d) => {
                        last_start.clear();
                        last_start.extend_from_slice(start_field);
                        last_day = Some(d);
                        d
                    }
                    Err(reason) => {
                        out.skip(reason);
                        continue;
                    }
                }
            }
        };
        match csv_item(&rec, l, tag_idx, &mut agg) {
            Ok((fields, costs)) => {
                let service = fields.service(l);
                agg.add(
                    day,
                    fields.unit(),
                    service.as_deref(),
                    &costs,
                    l.present(),
                    fields.estimated(l),
                );
            }
            Err(reason) => {
                agg.clear_row();
                out.skip(reason);
            }
        }
    }
    agg.emit(out);
}

/// Read a header: the layout, and the tag key index of each flattened tag column.
fn csv_header(rec: &csv::ByteRecord, agg: &mut CurAgg) -> (Layout, Vec<usize>) {
    let names: Vec<Cow<'_, str>> = rec.iter().map(String::from_utf8_lossy).collect();
    let layout = classify(names.iter().map(|n| n.as_ref()));
    let idx = layout
        .tag_cols
        .iter()
        .map(|(_, k)| agg.tag_key(k))
        .collect();
    (layout, idx)
}

/// A CSV field, trimmed; `None` when blank or the column is absent.
fn csv_str(rec: &csv::ByteRecord, col: Option<usize>) -> Result<Option<&str>, SkipReason> {
    let Some(b) = col.and_then(|i| rec.get(i)) else {
        return Ok(None);
    };
    let s = std::str::from_utf8(b)
        .map_err(|_| SkipReason::InvalidUtf8)?
        .trim();
    Ok((!s.is_empty()).then_some(s))
}

/// A cost field: blank → `None`; not a number → [`SkipReason::BadValue`].
fn cost_text(s: Option<&str>) -> Result<Option<f64>, SkipReason> {
    match s {
        None => Ok(None),
        Some(s) => parse_amount(s).map(Some).ok_or(SkipReason::BadValue),
    }
}

/// The costs, fields and tags of one CSV line item (tags are set on `agg`).
fn csv_item<'r>(
    rec: &'r csv::ByteRecord,
    l: &Layout,
    tag_idx: &[usize],
    agg: &mut CurAgg,
) -> Result<(ItemFields<'r>, [Option<f64>; 3]), SkipReason> {
    let mut costs = [None; 3];
    for (c, col) in costs.iter_mut().zip(l.cost) {
        *c = cost_text(csv_str(rec, col)?)?;
    }
    let fields = ItemFields {
        product_name: csv_str(rec, l.product_name)?,
        product_code: csv_str(rec, l.product_code)?,
        service_code: csv_str(rec, l.service_code)?,
        product_map_text: if l.product_name.is_none() {
            csv_str(rec, l.product_map)?
        } else {
            None
        },
        product_map_name: None,
        currency: csv_str(rec, l.currency)?,
        invoice: csv_str(rec, l.invoice)?,
    };
    for ((col, _), &idx) in l.tag_cols.iter().zip(tag_idx) {
        if let Some(v) = csv_str(rec, Some(*col))? {
            agg.set_tag(idx, v);
        }
    }
    if let Some(text) = csv_str(rec, l.tag_map)? {
        parse_map_text(text, |k, v| agg.set_map_tag(k, v)).map_err(|_| SkipReason::BadValue)?;
    }
    Ok((fields, costs))
}

// ------------------------------------------------------------------------------------------
// CUR as Parquet
// ------------------------------------------------------------------------------------------

/// CUR 2.0 (or legacy CUR in Parquet) line items, summed into daily rows like
/// [`parse_cur_csv`]. Only the columns used are read. A file Polars cannot read is one
/// record skipped as [`SkipReason::Binary`].
pub fn parse_cur_parquet(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    // Polars may panic on a corrupt file; that must not take the import down.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_parquet(input)));
    let (df, layout, names) = match read {
        Ok(Ok(r)) => r,
        Ok(Err(_)) | Err(_) => {
            out.records += 1;
            out.skip(SkipReason::Binary);
            return;
        }
    };
    let n = df.height();
    if !layout.has_time() || !layout.has_cost() {
        out.records += n as u64;
        if n > 0 {
            *out.skipped.entry(SkipReason::MissingField).or_insert(0) += n as u64;
        }
        return;
    }
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut agg = CurAgg::default();
        let mut scratch = Batch::default();
        let r = aggregate_frame(&df, &layout, &names, &mut agg, &mut scratch);
        (r, agg, scratch)
    }));
    match done {
        Ok((Ok(()), agg, scratch)) => {
            out.records += scratch.records;
            for (k, v) in scratch.skipped {
                *out.skipped.entry(k).or_insert(0) += v;
            }
            agg.emit(out);
        }
        Ok((Err(_), ..)) | Err(_) => {
            out.records += n.max(1) as u64;
            *out.skipped.entry(SkipReason::BadValue).or_insert(0) += n.max(1) as u64;
        }
    }
}

fn read_parquet(input: &[u8]) -> PolarsResult<(DataFrame, Layout, Vec<String>)> {
    let mut reader = ParquetReader::new(Cursor::new(input));
    let schema = reader.schema()?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let layout = classify(names.iter().map(String::as_str));
    let wanted: Vec<String> = layout
        .columns()
        .into_iter()
        .filter_map(|i| names.get(i).cloned())
        .collect();
    let df = if wanted.is_empty() {
        let n = reader.num_rows()?;
        DataFrame::empty_with_height(n)
    } else {
        reader.with_columns(Some(wanted)).finish()?
    };
    Ok((df, layout, names))
}

/// A column of `df` by layout index.
fn col<'d>(df: &'d DataFrame, names: &[String], i: Option<usize>) -> Option<&'d Series> {
    let name = names.get(i?)?;
    df.column(name).ok().map(Column::as_materialized_series)
}

/// A column as strings (`None` when absent or not castable).
fn as_strings(s: Option<&Series>) -> Option<Series> {
    let s = s?;
    if s.dtype().is_string() {
        return Some(s.clone());
    }
    if s.dtype().is_nested() {
        return None;
    }
    s.cast(&DataType::String).ok()
}

fn str_values(s: &Option<Series>) -> Option<Vec<Option<&str>>> {
    let ca = s.as_ref()?.str().ok()?;
    Some(
        ca.iter()
            .map(|v| v.map(str::trim).filter(|v| !v.is_empty()))
            .collect(),
    )
}

/// The UTC day of each row's usage start.
fn day_values(s: &Series, interval: bool) -> PolarsResult<Vec<Result<i64, SkipReason>>> {
    let per_unit = |tu: &TimeUnit| -> fn(i64) -> Option<i64> {
        match tu {
            TimeUnit::Nanoseconds => |v| Some(v.div_euclid(1000)),
            TimeUnit::Microseconds => Some,
            TimeUnit::Milliseconds => |v| v.checked_mul(1000),
        }
    };
    let missing = Err(SkipReason::MissingField);
    Ok(match s.dtype() {
        DataType::Datetime(tu, _) => {
            let conv = per_unit(tu);
            let phys = s.to_physical_repr();
            phys.i64()?
                .iter()
                .map(|v| v.map_or(missing, |v| conv(v).map(day_of).ok_or(SkipReason::BadValue)))
                .collect()
        }
        DataType::Date => {
            let phys = s.to_physical_repr();
            phys.i32()?
                .iter()
                .map(|v| {
                    v.map_or(missing, |d| {
                        i64::from(d).checked_mul(DAY_US).ok_or(SkipReason::BadValue)
                    })
                })
                .collect()
        }
        dt if dt.is_primitive_numeric() => s
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .map(|v| {
                v.map_or(missing, |v| {
                    time::from_epoch_guess(v)
                        .map(day_of)
                        .ok_or(SkipReason::BadValue)
                })
            })
            .collect(),
        _ => {
            let st = as_strings(Some(s))
                .ok_or_else(|| polars_err!(ComputeError: "usage start is not a time"))?;
            st.str()?
                .iter()
                .map(|v| v.map_or(missing, |v| day_of_text(v, interval)))
                .collect()
        }
    })
}

/// Each row's cost: blank → `None`; not a number → [`SkipReason::BadValue`].
fn cost_values(s: &Series) -> PolarsResult<Vec<Result<Option<f64>, SkipReason>>> {
    if s.dtype().is_string() {
        return Ok(s
            .str()?
            .iter()
            .map(|v| cost_text(v.map(str::trim).filter(|v| !v.is_empty())))
            .collect());
    }
    let f = s.cast(&DataType::Float64)?;
    Ok(f.f64()?
        .iter()
        .map(|v| match v {
            None => Ok(None),
            Some(v) if v.is_finite() => Ok(Some(v)),
            Some(_) => Err(SkipReason::BadValue),
        })
        .collect())
}

/// A map column read from Parquet: `List(Struct{key, value})` (Polars' form of a Parquet map)
/// or JSON text.
enum MapCol {
    Pairs {
        offsets: Vec<i64>,
        valid: Vec<bool>,
        keys: Series,
        values: Series,
    },
    Text(Series),
}

fn map_col(s: Option<&Series>) -> PolarsResult<Option<MapCol>> {
    let Some(s) = s else { return Ok(None) };
    match s.dtype() {
        DataType::List(inner) if matches!(inner.as_ref(), DataType::Struct(_)) => {
            let ca = s.list()?.rechunk();
            let (offsets, valid) = match ca.downcast_iter().next() {
                Some(arr) => {
                    let offsets = arr.offsets().as_slice().to_vec();
                    let valid = match arr.validity() {
                        Some(bits) => bits.iter().collect(),
                        None => vec![true; offsets.len().saturating_sub(1)],
                    };
                    (offsets, valid)
                }
                None => (vec![0], Vec::new()),
            };
            let inner = ca.get_inner();
            let fields = inner.struct_()?.fields_as_series();
            let (Some(k), Some(v)) = (fields.first(), fields.get(1)) else {
                return Ok(None);
            };
            let keys = k.cast(&DataType::String)?;
            let values = if v.dtype().is_nested() {
                return Ok(None);
            } else {
                v.cast(&DataType::String)?
            };
            Ok(Some(MapCol::Pairs {
                offsets,
                valid,
                keys,
                values,
            }))
        }
        dt if dt.is_string() => Ok(Some(MapCol::Text(s.clone()))),
        _ => Ok(None),
    }
}

/// A [`MapCol`] ready for row access.
enum MapView<'a> {
    Pairs {
        offsets: &'a [i64],
        valid: &'a [bool],
        keys: Vec<Option<&'a str>>,
        values: Vec<Option<&'a str>>,
    },
    Text(Vec<Option<&'a str>>),
}

impl MapCol {
    fn view(&self) -> PolarsResult<MapView<'_>> {
        Ok(match self {
            MapCol::Pairs {
                offsets,
                valid,
                keys,
                values,
            } => MapView::Pairs {
                offsets,
                valid,
                keys: keys.str()?.iter().collect(),
                values: values.str()?.iter().collect(),
            },
            MapCol::Text(s) => MapView::Text(s.str()?.iter().collect()),
        })
    }
}

impl MapView<'_> {
    /// Call `f` on each (key, value) of row `i`.
    fn for_each(&self, i: usize, mut f: impl FnMut(&str, &str)) -> Result<(), SkipReason> {
        match self {
            MapView::Pairs {
                offsets,
                valid,
                keys,
                values,
            } => {
                if !valid.get(i).copied().unwrap_or(false) {
                    return Ok(());
                }
                let (Some(&a), Some(&b)) = (offsets.get(i), offsets.get(i + 1)) else {
                    return Ok(());
                };
                let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
                    return Err(SkipReason::BadValue);
                };
                for j in a..b.min(keys.len()) {
                    if let (Some(Some(k)), Some(Some(v))) = (keys.get(j), values.get(j)) {
                        f(k, v);
                    }
                }
                Ok(())
            }
            MapView::Text(t) => match t.get(i).copied().flatten() {
                Some(text) => parse_map_text(text, f).map_err(|_| SkipReason::BadValue),
                None => Ok(()),
            },
        }
    }
}

/// Row `i` of a string column.
fn at<'a>(v: &Option<Vec<Option<&'a str>>>, i: usize) -> Option<&'a str> {
    v.as_ref().and_then(|v| v.get(i).copied().flatten())
}

fn aggregate_frame(
    df: &DataFrame,
    l: &Layout,
    names: &[String],
    agg: &mut CurAgg,
    out: &mut Batch,
) -> PolarsResult<()> {
    let n = df.height();
    let interval = l.start.is_none();
    let Some(start_s) = col(df, names, l.start.or(l.interval)) else {
        return Ok(());
    };
    let days = day_values(start_s, interval)?;
    let mut costs: [Option<Vec<Result<Option<f64>, SkipReason>>>; 3] = [None, None, None];
    for (c, i) in costs.iter_mut().zip(l.cost) {
        if let Some(s) = col(df, names, i) {
            *c = Some(cost_values(s)?);
        }
    }
    let present = costs.each_ref().map(Option::is_some);
    let pn_s = as_strings(col(df, names, l.product_name));
    let pc_s = as_strings(col(df, names, l.product_code));
    let sc_s = as_strings(col(df, names, l.service_code));
    let cur_s = as_strings(col(df, names, l.currency));
    let inv_s = as_strings(col(df, names, l.invoice));
    let (pn, pc, sc, cur, inv) = (
        str_values(&pn_s),
        str_values(&pc_s),
        str_values(&sc_s),
        str_values(&cur_s),
        str_values(&inv_s),
    );
    let product_map = if l.product_name.is_none() {
        map_col(col(df, names, l.product_map))?
    } else {
        None
    };
    let product_view = product_map.as_ref().map(MapCol::view).transpose()?;
    let tag_map = map_col(col(df, names, l.tag_map))?;
    let tag_view = tag_map.as_ref().map(MapCol::view).transpose()?;
    let tag_series: Vec<(Option<Series>, usize)> = l
        .tag_cols
        .iter()
        .map(|(c, k)| (as_strings(col(df, names, Some(*c))), agg.tag_key(k)))
        .collect();
    let tag_vals: Vec<(Option<Vec<Option<&str>>>, usize)> = tag_series
        .iter()
        .map(|(s, k)| (str_values(s), *k))
        .collect();

    for i in 0..n {
        out.records += 1;
        let day = match days
            .get(i)
            .copied()
            .unwrap_or(Err(SkipReason::MissingField))
        {
            Ok(d) => d,
            Err(r) => {
                out.skip(r);
                continue;
            }
        };
        let mut row_costs = [None; 3];
        let mut bad = None;
        for (c, v) in row_costs.iter_mut().zip(&costs) {
            if let Some(v) = v {
                match v.get(i).copied().unwrap_or(Ok(None)) {
                    Ok(x) => *c = x,
                    Err(r) => bad = Some(r),
                }
            }
        }
        if let Some(r) = bad {
            out.skip(r);
            continue;
        }
        let mut product_map_name = None;
        if let Some(pv) = &product_view {
            let mut name = None;
            // A malformed product map only loses the product name.
            let _ = pv.for_each(i, |k, v| {
                if k == "product_name" && !v.trim().is_empty() && name.is_none() {
                    name = Some(v.trim().to_owned());
                }
            });
            product_map_name = name;
        }
        for (vals, k) in &tag_vals {
            if let Some(v) = at(vals, i) {
                agg.set_tag(*k, v);
            }
        }
        if let Some(tv) = &tag_view
            && let Err(r) = tv.for_each(i, |k, v| agg.set_map_tag(k, v))
        {
            agg.clear_row();
            out.skip(r);
            continue;
        }
        let fields = ItemFields {
            product_name: at(&pn, i),
            product_code: at(&pc, i),
            service_code: at(&sc, i),
            product_map_text: None,
            product_map_name: product_map_name.as_deref(),
            currency: at(&cur, i),
            invoice: at(&inv, i),
        };
        let service = fields.service(l);
        agg.add(
            day,
            fields.unit(),
            service.as_deref(),
            &row_costs,
            present,
            fields.estimated(l),
        );
    }
    Ok(())
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
