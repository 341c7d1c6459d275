use super::*;

#[test]
fn keys_of_pretty_document() {
    let doc = br#"{
  "events": [ {"message": "a \" , \"x\": {", "timestamp": 1} ],
  "searchedLogStreams": [],
  "nextToken": "x"
}"#;
    assert_eq!(
        top_level_keys(doc),
        vec!["events", "searchedLogStreams", "nextToken"]
    );
    assert_eq!(detect(doc).format, Format::CloudWatchEvents);
}

#[test]
fn text_and_empty_and_binary() {
    assert_eq!(
        detect(b"START RequestId: x Version: $LATEST\n").format,
        Format::LogText
    );
    assert_eq!(detect(b"  \n\n").format, Format::Empty);
    assert_eq!(detect(b"\x00\x01\x02garbage").format, Format::Binary);
    assert_eq!(
        detect(b"identity/LineItemId,lineItem/UnblendedCost\n1,2\n").format,
        Format::CurCsv
    );
    assert_eq!(
        detect(b"# Notes\nSome prose that is not a log.\n").format,
        Format::Unknown
    );
    assert_eq!(
        detect(b"2024-01-01T00:00:00Z hello\n").format,
        Format::LogText
    );
}

#[test]
fn gzip_and_base64_envelopes() {
    use std::io::Write;
    let inner = br#"{"messageType":"DATA_MESSAGE","logGroup":"/aws/lambda/f","logStream":"s","logEvents":[]}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(inner).unwrap();
    let gz = gz.finish().unwrap();
    let d = detect(&gz);
    assert_eq!(
        (d.format, d.envelopes.clone()),
        (Format::CloudWatchSubscription, vec!["gzip"])
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&gz);
    let d = detect(b64.as_bytes());
    assert_eq!(
        (d.format, d.envelopes.clone()),
        (Format::CloudWatchSubscription, vec!["base64", "gzip"])
    );
    let ev = format!(r#"{{"awslogs":{{"data":"{b64}"}}}}"#);
    let d = detect(ev.as_bytes());
    assert_eq!(
        (d.format, d.envelopes),
        (
            Format::CloudWatchSubscription,
            vec!["awslogs", "base64", "gzip"]
        )
    );
}

#[test]
fn events_document_fast_path_agrees_with_the_key_walk() {
    // First key `events`, no `"type"` anywhere: known without walking the document.
    let doc = br#"{
    "events": [ {"message": "{\"type\":\"platform.start\"}", "timestamp": 1} ],
    "nextToken": "x"
}"#;
    assert_eq!(detect(doc).format, Format::CloudWatchEvents);
    assert_eq!(
        by_keys(&top_level_keys(doc)),
        Some(Format::CloudWatchEvents)
    );
    // A top-level `type` after `events` still rules CloudWatchEvents out.
    let doc = br#"{
    "events": [],
    "type": "x",
    "message": "m"
}"#;
    assert_eq!(detect(doc).format, Format::LogJsonArray);
    // `"type"` somewhere (here a value) only sends detection down the full walk.
    let doc = br#"{
    "events": [ {"message": "m", "timestamp": 1, "kind": "type"} ]
}"#;
    assert_eq!(detect(doc).format, Format::CloudWatchEvents);
}
