use super::*;

#[test]
fn iso_forms() {
    let z = parse_iso("2019-06-07T19:11:20.562Z").unwrap();
    assert_eq!(format_iso(z), "2019-06-07T19:11:20.562Z");
    assert_eq!(
        parse_iso("2023-07-05T10:16:34.013000")
            .map(format_iso)
            .unwrap(),
        "2023-07-05T10:16:34.013Z"
    );
    assert_eq!(
        parse_iso("2020-02-14 18:19:39,441")
            .map(format_iso)
            .unwrap(),
        "2020-02-14T18:19:39.441Z"
    );
    assert_eq!(
        parse_iso("2024-01-01T02:00:00+02:00")
            .map(format_iso)
            .unwrap(),
        "2024-01-01T00:00:00.000Z"
    );
    assert_eq!(
        parse_iso("2017-01-01").map(format_iso).unwrap(),
        "2017-01-01T00:00:00.000Z"
    );
    assert_eq!(parse_iso("hello"), None);
    assert_eq!(parse_iso("2019-13-45T99:00:00Z"), None);
}

#[test]
fn epoch_forms() {
    assert_eq!(
        from_epoch_secs_f64("1.568835610432E9".parse().unwrap()),
        Some(1_568_835_610_432_000)
    );
    assert_eq!(
        from_epoch_guess(1_559_934_680_562.0),
        Some(1_559_934_680_562_000)
    );
    assert_eq!(from_epoch_secs_f64(f64::NAN), None);
    assert_eq!(from_epoch_ms(i64::MAX), None);
}

#[test]
fn the_fast_form_reads_as_rfc3339_does() {
    // Valid, invalid and edge values of the runtimes' form: the hand-read path must give what
    // chrono gives (or hand the string over to it).
    let cases = [
        "2019-06-07T19:11:20.562Z",
        "2024-02-29T23:59:59.999Z",
        "2023-02-29T00:00:00.000Z",
        "2024-04-31T00:00:00.000Z",
        "2024-12-31T24:00:00.000Z",
        "2024-12-31T23:60:00.000Z",
        "2016-12-31T23:59:60.500Z",
        "1970-01-01T00:00:00.0Z",
        "1969-12-31T23:59:59.123456789Z",
        "2026-10-19T05:50:12.776123Z",
        "2026-10-19T05:50:12.7761234567Z",
        "2026-13-19T05:50:12.776Z",
        "2026-00-10T05:50:12.776Z",
        "2026-10-00T05:50:12.776Z",
        "2026-10-19T05:50:12.Z",
        "2026-10-19T05:50:1x.776Z",
        "2026-10-19 05:50:12.776Z",
        "0000-01-01T00:00:00.000Z",
    ];
    for c in cases {
        let chrono = chrono::DateTime::parse_from_rfc3339(c)
            .ok()
            .map(|d| d.timestamp_micros());
        let fast = super::parse_utc_fast(c.as_bytes());
        if let Some(us) = fast {
            assert_eq!(Some(us), chrono, "{c}");
        }
        if let Some(us) = chrono {
            assert_eq!(parse_iso(c), Some(us), "{c}");
        }
    }
    // The common form is read by hand.
    assert_eq!(
        super::parse_utc_fast(b"2019-06-07T19:11:20.562Z"),
        parse_iso("2019-06-07T19:11:20.562Z")
    );
    assert!(super::parse_utc_fast(b"2019-06-07T19:11:20.562Z").is_some());
}
