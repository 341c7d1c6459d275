//! End-to-end: `skylens chart` on the demo workspace. SVGs are compared with golden files
//! (`cargo xtask bless` rewrites them); PNGs are decoded and checked for size and content.

mod common;

use std::path::Path;

use common::{assert_golden, skylens, skylens_ok};

fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    skylens_ok(&["demo", "--workspace", ws.to_str().unwrap(), "--quiet"]);
    dir
}

/// `width="W" height="H"` of an SVG document.
fn svg_size(svg: &str) -> (u32, u32) {
    let attr = |name: &str| -> u32 {
        let key = format!(" {name}=\"");
        let at = svg.find(&key).unwrap_or_else(|| panic!("no {name} in SVG")) + key.len();
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// Decode a PNG: (width, height, RGB(A) pixels, bytes per pixel).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    buf.truncate(info.buffer_size());
    let bpp = info.color_type.samples();
    (info.width, info.height, buf, bpp)
}

fn chart(ws: &str, out: &Path, name: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "chart",
        name,
        "--out",
        out.to_str().unwrap(),
        "--workspace",
        ws,
    ];
    args.extend_from_slice(extra);
    skylens_ok(&args);
    std::fs::read_to_string(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()))
}

#[test]
fn demo_charts_match_golden_svgs_and_pngs_decode() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();

    let listed = skylens_ok(&["chart", "--list"]);
    for name in ["cold-start-histogram", "latency", "spend", "service-map"] {
        assert!(listed.contains(name), "{listed}");
    }

    // Small windows keep the golden files small; each chart names its window.
    let cases: &[(&str, &[&str], &str, &[&str])] = &[
        (
            "cold-start-histogram",
            &[],
            "chart-cold-start-histogram.svg",
            &[
                "Cold-start init duration by function",
                "init duration (ms)",
                "cold starts",
                "bins of 100 ms",
                "orders: ",
            ],
        ),
        (
            "latency",
            &[
                "--from",
                "2026-10-20",
                "--to",
                "2026-10-22",
                "--bucket",
                "6h",
            ],
            "chart-latency.svg",
            &[
                "Latency percentiles over time by function",
                "window 2026-10-20 00:00 to 2026-10-22 00:00 UTC",
                "buckets of 6h",
                "latency (ms)",
                "time (UTC)",
                "p50 (median)",
                "p90",
                "p99",
                "Oct 21 00:00",
            ],
        ),
        (
            "spend",
            &["--from", "2026-10-27", "--to", "2026-11-02"],
            "chart-spend.svg",
            &[
                "Daily spend by tag team",
                "cost per day (USD)",
                "day (UTC)",
                "(untagged)",
                "est.",
                "estimated",
                "Oct 31",
            ],
        ),
        (
            "service-map",
            &[],
            "chart-service-map.svg",
            &[
                "Service map",
                "client",
                "orders-api/prod",
                "API Gateway stage",
                "DynamoDB table",
                "api.psp.example.com",
                "4,010 req · p99 1,091 ms",
                "fault (5xx)",
                "edge label: requests · p99 latency",
            ],
        ),
    ];
    for (name, extra, golden, expect) in cases {
        let out = dir.path().join(format!("{name}.svg"));
        let svg = chart(ws, &out, name, extra);
        assert!(
            svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"),
            "{name}: not an SVG document"
        );
        for text in *expect {
            assert!(svg.contains(text), "{name}: {text:?} missing from the SVG");
        }
        assert!(
            svg.len() < 200_000,
            "{name}: SVG of {} bytes; keep goldens small",
            svg.len()
        );
        assert_golden(golden, &svg);

        // The same input gives the same bytes.
        let again = chart(
            ws,
            &dir.path().join(format!("{name}-again.svg")),
            name,
            extra,
        );
        assert!(again == svg, "{name}: SVG output is not deterministic");

        // PNG: a real image of the same size, with something drawn on it.
        let png_path = dir.path().join(format!("{name}.png"));
        let mut args = vec![
            "chart",
            name,
            "--out",
            png_path.to_str().unwrap(),
            "--workspace",
            ws,
        ];
        args.extend_from_slice(extra);
        skylens_ok(&args);
        let bytes = std::fs::read(&png_path).unwrap();
        let (w, h, pixels, bpp) = decode_png(&bytes);
        assert_eq!((w, h), svg_size(&svg), "{name}: PNG and SVG sizes");
        assert!(w >= 800 && h >= 300, "{name}: {w}x{h}");
        let px: Vec<&[u8]> = pixels.chunks(bpp).collect();
        let ink = px.iter().filter(|p| p[..3] != [255, 255, 255]).count();
        assert!(
            ink * 100 > px.len(),
            "{name}: PNG is blank ({ink} of {} pixels drawn)",
            px.len()
        );
        let dark = px
            .iter()
            .filter(|p| p[..3].iter().all(|c| *c < 100))
            .count();
        assert!(
            dark > 500,
            "{name}: no text drawn in the PNG ({dark} dark pixels)"
        );
        let colours: std::collections::BTreeSet<&[u8]> = px.iter().copied().collect();
        assert!(colours.len() > 20, "{name}: only {} colours", colours.len());
    }

    // Failing edges are red, and the map reads left to right from the client.
    let svg = std::fs::read_to_string(dir.path().join("service-map.svg")).unwrap();
    assert!(svg.contains("#C81E1E"), "no failing edge drawn in red");
    let x_of = |label: &str| -> i64 {
        let at = svg
            .find(&format!(">\n{label}\n</text>"))
            .unwrap_or_else(|| panic!("{label} not drawn"));
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let x = &tag[tag.find(" x=\"").unwrap() + 4..];
        x[..x.find('"').unwrap()].parse().unwrap()
    };
    assert!(x_of("client") < x_of("orders-api/prod"));
    assert!(x_of("orders-api/prod") < x_of("payments"));
    assert!(x_of("order-events") < x_of("notifications"));
}

#[test]
fn chart_errors_are_clear() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let out = dir.path().join("x.svg");
    let (code, _, err) = skylens(&[
        "chart",
        "nope",
        "--out",
        out.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("unknown chart `nope`") && err.contains("service-map"),
        "{err}"
    );
    let (code, _, err) = skylens(&[
        "chart",
        "latency",
        "--out",
        dir.path().join("x.jpg").to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(".svg or .png"), "{err}");
    // A grouping with no costs draws an empty chart that says so.
    let svg = chart(ws, &out, "spend", &["--by", "tag:nosuchtag"]);
    assert!(svg.contains("No costs for this grouping"), "{svg}");
    // A window with no data.
    let svg = chart(
        ws,
        &out,
        "latency",
        &["--from", "2020-01-01", "--to", "2020-01-02"],
    );
    assert!(svg.contains("No invocations in this window"), "{svg}");
    assert!(!dir.path().join("x.jpg").exists());
}
