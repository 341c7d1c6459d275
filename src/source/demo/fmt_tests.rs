use super::*;

fn s(f: impl Fn(&mut Vec<u8>)) -> String {
    let mut b = Vec::new();
    f(&mut b);
    String::from_utf8(b).unwrap()
}

#[test]
fn numbers() {
    assert_eq!(s(|b| push_u64(b, 0)), "0");
    assert_eq!(s(|b| push_pad(b, 7, 3)), "007");
    assert_eq!(s(|b| push_pad(b, 12345, 3)), "12345");
    assert_eq!(s(|b| push_hex(b, 0xabc, 6)), "000abc");
    assert_eq!(s(|b| push_ms2(b, 128_834)), "128.83");
    assert_eq!(s(|b| push_ms2(b, 6_000_000)), "6000.00");
    assert_eq!(s(|b| push_ms3(b, 26_843)), "26.843");
    assert_eq!(s(|b| push_ms3(b, 27_000)), "27");
    assert_eq!(s(|b| push_ms3(b, 27_500)), "27.5");
    assert_eq!(s(|b| push_secs2(b, 6_010_000)), "6.01");
    assert_eq!(s(|b| push_secs_float(b, 3232)), "3.232");
    assert_eq!(s(|b| push_secs_float(b, 500)), "0.5");
    assert_eq!(s(|b| push_secs_float(b, 2000)), "2.0");
    assert_eq!(s(|b| push_amount(b, 0)), "0");
    assert_eq!(s(|b| push_amount(b, 60_800_000_000)), "6.08");
    assert_eq!(s(|b| push_amount(b, 403_543_773_134)), "40.3543773134");
    assert_eq!(
        s(|b| push_java_secs(b, 1_692_293_788_127_201)),
        "1.692293788127201E9"
    );
    assert_eq!(
        s(|b| push_java_secs(b, 1_499_473_411_677_000)),
        "1.499473411677E9"
    );
    assert_eq!(s(|b| push_java_secs(b, 1_500_000_000_000_000)), "1.5E9");
    let v: f64 = s(|b| push_java_secs(b, 1_692_293_788_127_201))
        .parse()
        .unwrap();
    assert_eq!((v * 1e6).round() as i64, 1_692_293_788_127_201);
}

#[test]
fn times() {
    // 2019-06-07T19:11:20.562Z
    let ms = 1_559_934_680_562;
    assert_eq!(s(|b| push_iso_ms(b, ms)), "2019-06-07T19:11:20.562Z");
    assert_eq!(s(|b| push_iso_s(b, ms)), "2019-06-07T19:11:20Z");
    assert_eq!(s(|b| push_py_ts(b, ms)), "2019-06-07 19:11:20,562+0000");
    assert_eq!(s(|b| push_clf_time(b, ms)), "07/Jun/2019:19:11:20 +0000");
    assert_eq!(s(|b| push_date(b, ms, b'/')), "2019/06/07");
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(20_758), (2026, 11, 1));
    assert_eq!(
        s(|b| push_json_str(b, b"a\t\"b\"\n\\")),
        r#""a\t\"b\"\n\\""#
    );
    for text in [
        "",
        "plain",
        "0123456789abcdef\u{1b}x\r\u{8}\u{c}é\"\\\t\n",
        "ééééééééé\u{a0}\n12345678",
    ] {
        assert_eq!(
            s(|b| push_json_str(b, text.as_bytes())),
            serde_json::to_string(text).unwrap(),
            "{text:?}"
        );
    }
}
