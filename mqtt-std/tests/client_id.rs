//! Broker-assigned client identifiers against a real Mosquitto (a private
//! instance, so the test does not depend on MQTT_TEST_BROKERS).

use std::sync::mpsc;

use mqtt_std::{Client, ConfigError, Error, Options, ProtocolVersion};
use mqtt_testkit::MosquittoPassword;

fn options() -> Options {
    Options::new().credentials(MosquittoPassword::USER, MosquittoPassword::PASSWORD)
}

#[test]
fn mqtt5_reports_the_client_id_the_broker_assigned() {
    let broker = MosquittoPassword::start().expect("private mosquitto starts");
    let (tx, rx) = mpsc::channel();
    let options = options()
        .protocol(ProtocolVersion::V5)
        .broker_assigned_id()
        .on_connect(move |info| {
            let _ = tx.send(info.properties.assigned_client_identifier.clone());
        });
    let client = Client::connect(&broker.url(), options).unwrap();
    let assigned = rx
        .recv_timeout(mqtt_testkit::support::WAIT)
        .unwrap()
        .expect("an Assigned Client Identifier in CONNACK");
    assert!(!assigned.is_empty());
    client.disconnect().unwrap();
}

#[test]
fn mqtt311_with_a_clean_session_is_accepted_with_a_broker_assigned_id() {
    let broker = MosquittoPassword::start().expect("private mosquitto starts");
    let client = Client::connect(&broker.url(), options().broker_assigned_id())
        .unwrap_or_else(|e| panic!("{e}; log: {}", broker.read_log()));
    assert!(client.is_connected());
    client.disconnect().unwrap();
    // What Mosquitto logged: an empty id it replaced with one of its own.
    assert!(broker.read_log().contains("auto-"), "{}", broker.read_log());
}

#[test]
fn mqtt311_persistent_session_with_a_broker_assigned_id_is_refused_before_connecting() {
    let broker = MosquittoPassword::start().expect("private mosquitto starts");
    let options = options().broker_assigned_id().clean_session(false);
    match Client::connect(&broker.url(), options) {
        Err(Error::Config(ConfigError::PersistentSessionNeedsClientId)) => {}
        Err(e) => panic!("expected the configuration error, got {e:?}"),
        Ok(_) => panic!("connected"),
    }
}
