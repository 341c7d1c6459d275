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
