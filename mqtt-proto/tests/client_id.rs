//! The client identifier CONNECT carries: configured, generated (the 3.x
//! default), or empty so that the broker assigns one
//! (`Config::broker_assigned_client_id`; the MQTT 5 default).

use std::time::Duration;

use bytes::BytesMut;
use mqtt_sansio::client::{Client, Config, ConfigError, Event};
use mqtt_sansio::codec::{
    decode, encode, ByteStr, ConnAck, Connect, Packet, Properties, ProtocolVersion, ReasonCode,
};

const NOW: Duration = Duration::ZERO;

/// Starts a connection and returns the CONNECT the client sends.
fn connect_packet(client: &mut Client<Duration>) -> Box<Connect> {
    client.connect(NOW);
    while client.poll_transport().is_some() {}
    client.handle_connected(NOW);
    let mut out = BytesMut::new();
    client.poll_transmit(&mut out);
    match decode(&mut out, client.protocol(), 1 << 20).unwrap() {
        Some(Packet::Connect(c)) => c,
        other => panic!("expected CONNECT, got {other:?}"),
    }
}

#[test]
fn by_default_a_3_1_1_client_sends_a_generated_id() {
    let mut client = Client::new(Config::default()).unwrap();
    let connect = connect_packet(&mut client);
    assert!(connect.client_id.starts_with("mqttsansio"), "{connect:?}");
    assert_eq!(connect.client_id.len(), 23);
}

/// `[MQTT-3.1.3-6]`: a 3.1.1 server may accept a zero-byte ClientId and
/// assign one; `[MQTT-3.1.3-7]`: the client must then ask for a clean session.
#[test]
fn a_3_1_1_client_can_ask_the_broker_to_assign_its_id() {
    let config = Config::default().broker_assigned_client_id();
    let mut client = Client::new(config).unwrap();
    let connect = connect_packet(&mut client);
    assert_eq!(&*connect.client_id, "");
    assert!(connect.clean_start);
}

#[test]
fn a_persistent_3_1_1_session_with_a_broker_assigned_id_is_a_configuration_error() {
    for config in [
        Config::default()
            .broker_assigned_client_id()
            .clean_start(false),
        Config::default()
            .broker_assigned_client_id()
            .protocol(ProtocolVersion::V3_1),
        {
            let mut both = Config::default().broker_assigned_client_id();
            both.client_id = "x".into();
            both
        },
    ] {
        let expected = config.sends_empty_client_id().unwrap_err();
        assert_eq!(Client::<Duration>::new(config).unwrap_err(), expected);
    }
}

#[test]
fn the_configuration_says_when_an_empty_id_is_sent_and_why_not() {
    let assigned = Config::default().broker_assigned_client_id();
    assert_eq!(assigned.sends_empty_client_id(), Ok(true));
    assert_eq!(
        Config::default()
            .broker_assigned_client_id()
            .clean_start(false)
            .sends_empty_client_id(),
        Err(ConfigError::PersistentSessionNeedsClientId)
    );
    assert_eq!(
        Config::default()
            .protocol(ProtocolVersion::V3_1)
            .broker_assigned_client_id()
            .sends_empty_client_id(),
        Err(ConfigError::EmptyClientIdNotInV3_1)
    );
    // MQTT 5: the assigned id names the session on reconnects, so a
    // persistent session is fine.
    assert_eq!(
        Config::default()
            .protocol(ProtocolVersion::V5)
            .broker_assigned_client_id()
            .clean_start(false)
            .sends_empty_client_id(),
        Ok(true)
    );
    let mut both = Config::default().broker_assigned_client_id();
    both.client_id = "x".into();
    assert_eq!(
        both.sends_empty_client_id(),
        Err(ConfigError::ClientIdWithBrokerAssigned)
    );
    assert_eq!(Config::default().sends_empty_client_id(), Ok(false));
    assert_eq!(
        Config::default()
            .protocol(ProtocolVersion::V5)
            .sends_empty_client_id(),
        Ok(true)
    );
}

#[test]
fn mqtt5_reports_and_keeps_the_assigned_id() {
    let config = Config::default()
        .protocol(ProtocolVersion::V5)
        .broker_assigned_client_id();
    let mut client = Client::new(config).unwrap();
    let connect = connect_packet(&mut client);
    assert_eq!(&*connect.client_id, "");
    let mut properties = Properties::default();
    properties.assigned_client_identifier = Some(ByteStr::from("auto-42"));
    let mut wire = BytesMut::new();
    encode(
        &Packet::ConnAck(ConnAck {
            session_present: false,
            code: ReasonCode::Success,
            properties,
        }),
        ProtocolVersion::V5,
        1 << 20,
        &mut wire,
    )
    .unwrap();
    client.handle_data(NOW, &wire);
    let reported = std::iter::from_fn(|| client.poll_event()).find_map(|e| match e {
        Event::Connected { properties, .. } => properties.assigned_client_identifier.clone(),
        _ => None,
    });
    assert_eq!(reported.as_deref(), Some("auto-42"));
    assert_eq!(client.client_id(), "auto-42");
}
