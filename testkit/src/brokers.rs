//! The brokers under test and what each of them can do.

use mqtt_sansio::{ProtocolVersion, QoS};

use crate::embedded::EmbeddedBroker;
use crate::error::{Error, Result};

/// The environment variable naming extra brokers: `name=url,name=url`.
pub const TEST_BROKERS_ENV: &str = "MQTT_TEST_BROKERS";

/// Which broker software a [`Broker`] is, as far as the kit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BrokerKind {
    /// The in-process rumqttd 0.20 ([`EmbeddedBroker`]).
    Embedded,
    /// Eclipse Mosquitto (2.0.11 on these machines).
    Mosquitto,
    /// RabbitMQ (3.10.8 on these machines) with `rabbitmq_mqtt` and `rabbitmq_web_mqtt`.
    RabbitMq,
    /// A broker the kit has no facts about; see [`Capabilities::generic`].
    Unknown,
}

/// What a broker supports, as observed on these machines. Each claim but one is checked by
/// `testkit/tests/capabilities.rs` against every broker under test (and Mosquitto's
/// `websocket: None` against the installed `mosquitto` binary); `disconnect_slot_race` is an
/// observation of a race, documented there, not checked by a test.
///
/// Tests read this table instead of skipping: where a broker lacks a feature, the test asserts
/// the broker's documented behaviour for it (for example RabbitMQ answering a QoS 2 PUBLISH with
/// PUBACK).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// URL to use for MQTT 3.1 (protocol name `MQIsdp`), if supported.
    pub mqtt3_1: Option<String>,
    /// URL to use for MQTT 3.1.1, if supported.
    pub mqtt3_1_1: Option<String>,
    /// URL to use for MQTT 5.0, if supported.
    pub mqtt5: Option<String>,
    /// WebSocket URL (MQTT 3.1.1 inside), if the broker has a WebSocket listener.
    pub websocket: Option<String>,
    /// Highest QoS the broker grants in SUBACK.
    pub max_qos: QoS,
    /// The broker answers a QoS 2 PUBLISH with PUBACK instead of PUBREC (RabbitMQ: a protocol
    /// violation the client must report clearly).
    pub qos2_publish_answered_with_puback: bool,
    /// Retained messages are stored and delivered to new subscribers.
    pub retained: bool,
    /// The will message is published when a client disconnects without DISCONNECT.
    pub will: bool,
    /// `clean session = 0` keeps subscriptions and queues QoS ≥ 1 messages while the client is
    /// offline.
    pub persistent_session: bool,
    /// `$share/{group}/{filter}` subscriptions work.
    pub shared_subscriptions: bool,
    /// Over MQTT 5, a QoS 1 PUBLISH that matched no subscriber is answered with reason code
    /// 0x10 (No matching subscribers) rather than 0x00.
    pub v5_no_matching_subscribers: bool,
    /// A client that sends DISCONNECT and closes its socket at once can make the broker drop
    /// *another* connection accepted at that moment: rumqttd 0.20 handles the DISCONNECT and
    /// the socket close as two disconnections of one connection slot, and the slot may belong
    /// to the new client by the second one. `false` for the embedded broker: the kit's relay in
    /// front of it holds such a close until rumqttd has closed the connection
    /// (`testkit/tests/embedded_churn.rs` fails on every run against rumqttd's own listener and
    /// passes through the relay). `false` elsewhere means "not observed". Not checked by a
    /// test for the other brokers (a race: a check could pass by luck).
    pub disconnect_slot_race: bool,
}

impl Capabilities {
    /// The embedded rumqttd 0.20. Observed: an MQTT 3.1 CONNECT is answered by closing the
    /// connection (no CONNACK); `$share` subscriptions work on both listeners.
    pub fn embedded(broker: &EmbeddedBroker) -> Capabilities {
        Capabilities {
            mqtt3_1: None,
            mqtt3_1_1: Some(broker.mqtt311_url()),
            mqtt5: Some(broker.mqtt5_url()),
            websocket: Some(broker.ws_url()),
            max_qos: QoS::ExactlyOnce,
            qos2_publish_answered_with_puback: false,
            retained: true,
            will: true,
            persistent_session: true,
            shared_subscriptions: true,
            v5_no_matching_subscribers: false,
            disconnect_slot_race: false,
        }
    }

    /// Mosquitto 2.0 at `url` (one listener serves 3.1, 3.1.1 and 5.0; Debian's build has no
    /// WebSockets).
    pub fn mosquitto(url: &str) -> Capabilities {
        Capabilities {
            mqtt3_1: Some(url.to_owned()),
            mqtt3_1_1: Some(url.to_owned()),
            mqtt5: Some(url.to_owned()),
            websocket: None,
            max_qos: QoS::ExactlyOnce,
            qos2_publish_answered_with_puback: false,
            retained: true,
            will: true,
            persistent_session: true,
            shared_subscriptions: true,
            v5_no_matching_subscribers: true,
            disconnect_slot_race: false,
        }
    }

    /// RabbitMQ 3.10 with its MQTT plugin at `url`: 3.1 and 3.1.1 only, QoS ≤ 1, and the Web
    /// MQTT plugin at `ws://HOST:15675/ws` on the same host. Observed: an MQTT 5 CONNECT is
    /// answered by closing the connection (no CONNACK); a `$share/...` filter is granted but
    /// delivers nothing; Web MQTT answers any path but `/ws` with HTTP 404.
    pub fn rabbitmq(url: &str) -> Capabilities {
        Capabilities {
            mqtt3_1: Some(url.to_owned()),
            mqtt3_1_1: Some(url.to_owned()),
            mqtt5: None,
            websocket: host_of(url).map(|host| format!("ws://{host}:15675/ws")),
            max_qos: QoS::AtLeastOnce,
            qos2_publish_answered_with_puback: true,
            retained: true,
            will: true,
            persistent_session: true,
            shared_subscriptions: false,
            v5_no_matching_subscribers: false,
            disconnect_slot_race: false,
        }
    }

    /// A broker the kit knows nothing about: assumed to be a conforming MQTT 3.1.1 broker at
    /// `url` with QoS 2, retained messages, will and persistent sessions, and nothing else.
    pub fn generic(url: &str) -> Capabilities {
        Capabilities {
            mqtt3_1: None,
            mqtt3_1_1: Some(url.to_owned()),
            mqtt5: None,
            websocket: None,
            max_qos: QoS::ExactlyOnce,
            qos2_publish_answered_with_puback: false,
            retained: true,
            will: true,
            persistent_session: true,
            shared_subscriptions: false,
            v5_no_matching_subscribers: false,
            disconnect_slot_race: false,
        }
    }

    /// The URL to use for `version`, or `None` when the broker does not speak it.
    pub fn url(&self, version: ProtocolVersion) -> Option<&str> {
        match version {
            ProtocolVersion::V3_1 => self.mqtt3_1.as_deref(),
            ProtocolVersion::V3_1_1 => self.mqtt3_1_1.as_deref(),
            ProtocolVersion::V5 => self.mqtt5.as_deref(),
        }
    }

    /// The protocol versions the broker speaks, oldest first.
    pub fn versions(&self) -> Vec<ProtocolVersion> {
        [
            ProtocolVersion::V3_1,
            ProtocolVersion::V3_1_1,
            ProtocolVersion::V5,
        ]
        .into_iter()
        .filter(|v| self.url(*v).is_some())
        .collect()
    }
}

/// One broker under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broker {
    /// Its name: `embedded`, or the name given in `MQTT_TEST_BROKERS`.
    pub name: String,
    /// Which software it is.
    pub kind: BrokerKind,
    /// What it supports, with the URL for each protocol version.
    pub caps: Capabilities,
}

impl Broker {
    /// The URL for MQTT 3.1.1 if the broker speaks it, else the first URL it has.
    ///
    /// Every broker the kit describes has at least one protocol URL.
    pub fn url(&self) -> &str {
        self.caps
            .url(ProtocolVersion::V3_1_1)
            .or_else(|| self.caps.url(ProtocolVersion::V5))
            .or_else(|| self.caps.url(ProtocolVersion::V3_1))
            .unwrap_or_default()
    }
}

/// The brokers under test: the embedded one (always first, started on first use and shared by
/// the process), then each `name=url` of `MQTT_TEST_BROKERS` in order.
///
/// The kind of an extra broker is taken from its name: a name starting with `mosquitto` or
/// `rabbitmq` gets that broker's capability table, any other name [`Capabilities::generic`].
///
/// ```no_run
/// for broker in mqtt_testkit::brokers()? {
///     println!("{} at {} (max QoS {:?})", broker.name, broker.url(), broker.caps.max_qos);
/// }
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
pub fn brokers() -> Result<Vec<Broker>> {
    let embedded = EmbeddedBroker::shared()?;
    let mut list = vec![Broker {
        name: "embedded".to_owned(),
        kind: BrokerKind::Embedded,
        caps: Capabilities::embedded(embedded),
    }];
    if let Ok(spec) = std::env::var(TEST_BROKERS_ENV) {
        list.extend(parse_broker_list(&spec)?);
    }
    Ok(list)
}

/// The environment variable CI systems set to `true` (GitHub Actions, GitLab, `.ci/run`).
pub const CI_ENV: &str = "CI";

/// The brokers of `kind` among the brokers under test, for the test named `test` that needs
/// one: the one rule for every broker-gated test.
///
/// When there is none, the test can check nothing, and must not pass silently:
/// - outside CI it prints `SKIPPED: <test> needs <broker>; set MQTT_TEST_BROKERS=...` to stderr
///   (shown with `--nocapture`, and by the harness when the test fails) and returns an empty
///   list, so the caller's loop checks nothing;
/// - in CI (`CI=true`), where the broker is installed on purpose, it panics: a missing broker
///   is a broken CI machine, not a pass.
///
/// # Errors
/// As [`brokers`]: the embedded broker does not start, or `MQTT_TEST_BROKERS` is malformed.
///
/// ```no_run
/// for rabbit in mqtt_testkit::brokers_for_test("web_mqtt_404", mqtt_testkit::BrokerKind::RabbitMq)? {
///     println!("checking {}", rabbit.url());
/// }
/// # Ok::<(), mqtt_testkit::Error>(())
/// ```
pub fn brokers_for_test(test: &str, kind: BrokerKind) -> Result<Vec<Broker>> {
    let found: Vec<Broker> = brokers()?.into_iter().filter(|b| b.kind == kind).collect();
    if found.is_empty() {
        let ci = std::env::var(CI_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("true"));
        missing_broker(test, kind, ci);
    }
    Ok(found)
}

/// Reports that `test` found no broker of `kind`: a panic in CI, a `SKIPPED` line otherwise.
fn missing_broker(test: &str, kind: BrokerKind, ci: bool) {
    let (what, example) = match kind {
        BrokerKind::Mosquitto => ("Mosquitto", "mosquitto=mqtt://127.0.0.1:1883"),
        BrokerKind::RabbitMq => (
            "RabbitMQ (rabbitmq_mqtt, rabbitmq_web_mqtt)",
            "rabbitmq=mqtt://127.0.0.1:1884",
        ),
        BrokerKind::Embedded | BrokerKind::Unknown => ("a broker", "name=mqtt://HOST:PORT"),
    };
    let line = format!("SKIPPED: {test} needs {what}; set {TEST_BROKERS_ENV}={example}");
    if ci {
        panic!("{line} ({CI_ENV}=true: a missing broker fails the test in CI)");
    }
    eprintln!("{line}");
}

/// Parses a `name=url,name=url` list (the format of `MQTT_TEST_BROKERS`). Empty entries are
/// ignored; a malformed entry is an error, never silently dropped.
pub fn parse_broker_list(spec: &str) -> Result<Vec<Broker>> {
    let mut list: Vec<Broker> = Vec::new();
    for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = |reason| Error::BadBrokerList {
            entry: entry.to_owned(),
            reason,
        };
        let (name, url) = entry
            .split_once('=')
            .ok_or_else(|| bad("expected name=url"))?;
        let (name, url) = (name.trim(), url.trim());
        if name.is_empty() {
            return Err(bad("empty name"));
        }
        if name == "embedded" || list.iter().any(|b| b.name == name) {
            return Err(bad("duplicate name"));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(bad("the URL needs a scheme, e.g. mqtt://127.0.0.1:1883"));
        };
        if !matches!(scheme, "mqtt" | "tcp") {
            return Err(bad("only mqtt:// (or tcp://) URLs are supported here"));
        }
        if rest.is_empty() || host_of(url).is_none() {
            return Err(bad("the URL has no host"));
        }
        let lower = name.to_ascii_lowercase();
        let (kind, caps) = if lower.starts_with("mosquitto") {
            (BrokerKind::Mosquitto, Capabilities::mosquitto(url))
        } else if lower.starts_with("rabbitmq") {
            (BrokerKind::RabbitMq, Capabilities::rabbitmq(url))
        } else {
            (BrokerKind::Unknown, Capabilities::generic(url))
        };
        list.push(Broker {
            name: name.to_owned(),
            kind,
            caps,
        });
    }
    Ok(list)
}

/// The host of `scheme://host[:port][/path]`, brackets kept for IPv6 literals.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = if authority.starts_with('[') {
        &authority[..=authority.find(']')?]
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(
        expected = "SKIPPED: some_test needs RabbitMQ (rabbitmq_mqtt, rabbitmq_web_mqtt); \
                    set MQTT_TEST_BROKERS=rabbitmq=mqtt://127.0.0.1:1884 (CI=true"
    )]
    fn a_missing_broker_fails_the_test_in_ci() {
        missing_broker("some_test", BrokerKind::RabbitMq, true);
    }

    #[test]
    fn a_missing_broker_outside_ci_is_reported_and_not_fatal() {
        // Returns (the line goes to stderr): the caller checks an empty list.
        missing_broker("some_test", BrokerKind::Mosquitto, false);
    }

    #[test]
    fn brokers_for_test_returns_only_brokers_of_the_kind() {
        // The embedded broker is always under test, so asking for it never skips.
        let found = brokers_for_test("this_test", BrokerKind::Embedded).unwrap();
        assert!(!found.is_empty());
        assert!(found.iter().all(|b| b.kind == BrokerKind::Embedded));
    }

    #[test]
    fn broker_list_maps_names_to_kinds_in_order() {
        let list = parse_broker_list(
            "mosquitto=mqtt://127.0.0.1:1883,rabbitmq=mqtt://127.0.0.1:1884,other=tcp://[::1]:1885",
        )
        .unwrap();
        let kinds: Vec<_> = list.iter().map(|b| (b.name.as_str(), b.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("mosquitto", BrokerKind::Mosquitto),
                ("rabbitmq", BrokerKind::RabbitMq),
                ("other", BrokerKind::Unknown),
            ]
        );
        assert_eq!(list[0].url(), "mqtt://127.0.0.1:1883");
        assert_eq!(list[2].url(), "tcp://[::1]:1885");
    }

    #[test]
    fn rabbitmq_websocket_url_uses_the_host_of_its_mqtt_url() {
        let list = parse_broker_list("rabbitmq=mqtt://127.0.0.1:1884").unwrap();
        assert_eq!(
            list[0].caps.websocket.as_deref(),
            Some("ws://127.0.0.1:15675/ws")
        );
        let list = parse_broker_list("rabbitmq=mqtt://[::1]:1884").unwrap();
        assert_eq!(
            list[0].caps.websocket.as_deref(),
            Some("ws://[::1]:15675/ws")
        );
    }

    #[test]
    fn rabbitmq_has_no_mqtt5_and_grants_at_most_qos1() {
        let caps = Capabilities::rabbitmq("mqtt://127.0.0.1:1884");
        assert_eq!(
            caps.versions(),
            [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1]
        );
        assert_eq!(caps.max_qos, QoS::AtLeastOnce);
        assert!(caps.qos2_publish_answered_with_puback);
    }

    #[test]
    fn empty_entries_are_ignored() {
        assert!(parse_broker_list("").unwrap().is_empty());
        assert_eq!(
            parse_broker_list(" , mosquitto=mqtt://127.0.0.1:1883 ,")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn entry_without_equals_sign_is_an_error() {
        let err = parse_broker_list("mqtt://127.0.0.1:1883").unwrap_err();
        assert!(matches!(
            err,
            Error::BadBrokerList {
                reason: "expected name=url",
                ..
            }
        ));
    }

    #[test]
    fn duplicate_or_reserved_names_are_errors() {
        for spec in [
            "a=mqtt://127.0.0.1:1,a=mqtt://127.0.0.1:2",
            "embedded=mqtt://127.0.0.1:1",
        ] {
            let err = parse_broker_list(spec).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::BadBrokerList {
                        reason: "duplicate name",
                        ..
                    }
                ),
                "{spec}: {err}"
            );
        }
    }

    #[test]
    fn non_mqtt_schemes_and_missing_hosts_are_errors() {
        for spec in [
            "x=ws://127.0.0.1:1",
            "x=127.0.0.1:1883",
            "x=mqtt://",
            "x=mqtt://:1883",
            "=mqtt://127.0.0.1:1",
        ] {
            assert!(
                matches!(parse_broker_list(spec), Err(Error::BadBrokerList { .. })),
                "{spec} was accepted"
            );
        }
    }
}
