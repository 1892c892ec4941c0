//! Topics and properties take any `&str` (copied) and any `String` (moved),
//! not only `&'static str`: building them from text read at run time compiles.

use bytes::Bytes;
use mqtt_sansio::client::OutgoingPublish;
use mqtt_sansio::codec::{ByteStr, Properties, QoS};

/// Text that lives only as long as this call, as a config line read from a file would.
fn from_runtime_text(line: &str) -> (OutgoingPublish, Properties) {
    let (topic, rest) = line.split_once(' ').unwrap();
    let (name, value) = rest.split_once('=').unwrap();
    let mut properties = Properties::default();
    properties.user_properties.push((name.into(), value.into()));
    properties.content_type = Some(String::from("text/plain").into());
    let publish = OutgoingPublish::new(topic, Bytes::from_static(b"21.5"), QoS::AtLeastOnce)
        .properties(properties.clone());
    (publish, properties)
}

#[test]
fn borrowed_str_and_string_convert_into_topics_and_properties() {
    let line = String::from("sensors/temp unit=celsius");
    let (publish, properties) = from_runtime_text(&line);
    drop(line);
    assert_eq!(publish.topic, "sensors/temp");
    assert_eq!(
        properties.user_properties,
        [(
            ByteStr::from("unit"),
            ByteStr::from(String::from("celsius"))
        )]
    );
    assert_eq!(properties.content_type.as_deref(), Some("text/plain"));
}
