//! Session snapshot and restore: the versioned byte format survives a
//! process restart, and corrupt input is a typed error.

#[path = "support/broker.rs"]
mod broker;

use std::time::Duration;

use broker::{config, config_v5, filter, msg, pid, resp, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{Client, Event, RestoreError, SubscriptionState, SNAPSHOT_VERSION};
use mqtt_sansio::codec::{ByteStr, Packet, Properties, Publish, QoS, ReasonCode};

fn no_acks() -> Behaviour {
    Behaviour {
        ack_publishes: false,
        route: false,
        ..Default::default()
    }
}

/// A client with two in-flight publishes (QoS 1, QoS 2 past PUBREC), one
/// queued, one inbound QoS 2 held, two subscriptions; then the process "dies".
fn busy_session() -> (Vec<u8>, Pair) {
    let mut p = Pair::connected(config().clean_start(false).max_inflight(2), no_acks());
    p.broker.behaviour.ack_requests = true;
    p.client
        .subscribe(
            p.now,
            vec![
                filter("a/+", QoS::AtLeastOnce),
                filter("b/#", QoS::ExactlyOnce),
            ],
            Properties::default(),
        )
        .unwrap();
    p.client
        .publish(p.now, msg("one", b"1", QoS::AtLeastOnce))
        .unwrap();
    p.client
        .publish(p.now, msg("two", b"2", QoS::ExactlyOnce))
        .unwrap();
    p.client
        .publish(p.now, msg("three", b"3", QoS::AtLeastOnce))
        .unwrap();
    p.drive();
    // Packet ids: SUBSCRIBE took 1, the publishes 2 and 3.
    p.broker_send(&Packet::PubRec(resp(pid(3), ReasonCode::Success)));
    p.broker_send(&Packet::Publish(Publish {
        dup: false,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic: ByteStr::from_static("in"),
        packet_id: Some(pid(40)),
        properties: Properties::default(),
        payload: Bytes::from_static(b"held"),
    }));
    let snap = p.client.snapshot(p.now).unwrap();
    (snap, p)
}

#[test]
fn snapshot_starts_with_magic_and_version() {
    let (snap, _) = busy_session();
    assert_eq!(&snap[..4], b"MQSN");
    assert_eq!(snap[4], SNAPSHOT_VERSION);
}

#[test]
fn restored_client_resends_the_session_in_order_after_reconnect() {
    let (snap, old) = busy_session();
    let restored = Client::<Duration>::restore(
        config().clean_start(false).max_inflight(2),
        &snap,
        Duration::ZERO,
    )
    .unwrap();
    assert_eq!(restored.inflight_publishes(), 2);
    assert_eq!(restored.queued_publishes(), 1);
    assert_eq!(restored.subscriptions().len(), 2);
    assert_eq!(
        restored.subscriptions().get("b/#").unwrap().state,
        SubscriptionState::Granted(QoS::ExactlyOnce)
    );
    // Continue against the same broker (its sessions survive).
    let mut p = Pair::new(config().clean_start(false).max_inflight(2), no_acks());
    p.client = restored;
    p.broker.sessions = old.broker.sessions.clone();
    p.connect();
    let after: Vec<String> = p
        .sent()
        .iter()
        .map(|x| match x {
            Packet::Connect(_) => "CONNECT".to_string(),
            Packet::Publish(p) => format!("PUBLISH {} dup={}", p.topic, p.dup),
            Packet::PubRel(r) => format!("PUBREL {}", r.packet_id),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(after, ["CONNECT", "PUBLISH one dup=true", "PUBREL 3"]);
    // Acks complete the restored publishes with their original ids, and the
    // queued one goes out when the window opens.
    p.broker_send(&Packet::PubAck(resp(pid(2), ReasonCode::Success)));
    let ev = p.take_events();
    assert!(ev
        .iter()
        .any(|e| matches!(e, Event::PublishComplete { id, .. } if id.0 == 1)));
    assert!(matches!(p.sent().last(), Some(Packet::Publish(x)) if &*x.topic == "three" && !x.dup));
}

#[test]
fn restored_inbound_qos2_state_prevents_redelivery() {
    let (snap, _) = busy_session();
    let mut p = Pair::new(config().clean_start(false), Behaviour::default());
    p.client = Client::restore(config().clean_start(false), &snap, Duration::ZERO).unwrap();
    // The broker still has the session (it kept "test-client").
    p.broker
        .sessions
        .insert("test-client".into(), Default::default());
    p.connect();
    p.take_events();
    p.broker_send(&Packet::Publish(Publish {
        dup: true,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic: ByteStr::from_static("in"),
        packet_id: Some(pid(40)),
        properties: Properties::default(),
        payload: Bytes::from_static(b"held"),
    }));
    assert!(!p
        .take_events()
        .iter()
        .any(|e| matches!(e, Event::Message { .. })));
    assert!(matches!(p.sent().last(), Some(Packet::PubRec(r)) if r.packet_id == pid(40)));
}

#[test]
fn snapshot_round_trips_byte_for_byte() {
    let (snap, _) = busy_session();
    let restored = Client::<Duration>::restore(
        config().clean_start(false).max_inflight(2),
        &snap,
        Duration::ZERO,
    )
    .unwrap();
    assert_eq!(restored.snapshot(Duration::ZERO).unwrap(), snap);
}

#[test]
fn v5_properties_survive_the_snapshot() {
    let mut p = Pair::connected(config_v5().clean_start(false), no_acks());
    let mut props = Properties::default();
    props
        .user_properties
        .push((ByteStr::from_static("k"), ByteStr::from_static("v")));
    props.message_expiry_interval = Some(100);
    p.client
        .publish(p.now, msg("t", b"x", QoS::AtLeastOnce).properties(props))
        .unwrap();
    p.drive();
    let snap = p.client.snapshot(p.now + Duration::from_secs(40)).unwrap();
    let mut q = Pair::new(config_v5().clean_start(false), no_acks());
    q.client = Client::restore(config_v5().clean_start(false), &snap, Duration::ZERO).unwrap();
    q.broker.sessions = p.broker.sessions.clone();
    q.connect();
    let Some(Packet::Publish(x)) = q.sent().last() else {
        panic!("resent")
    };
    assert_eq!(x.properties.user_properties.len(), 1);
    assert_eq!(x.properties.message_expiry_interval, Some(60));
}

#[test]
fn garbage_is_not_a_snapshot() {
    assert_eq!(
        Client::<Duration>::restore(config(), b"hello world", Duration::ZERO).unwrap_err(),
        RestoreError::NotASnapshot
    );
}

#[test]
fn an_unknown_version_is_refused() {
    let (mut snap, _) = busy_session();
    snap[4] = 99;
    assert_eq!(
        Client::<Duration>::restore(config(), &snap, Duration::ZERO).unwrap_err(),
        RestoreError::UnsupportedVersion(99)
    );
}

#[test]
fn every_truncation_is_a_typed_error_never_a_panic() {
    let (snap, _) = busy_session();
    for n in 0..snap.len() {
        assert!(
            Client::<Duration>::restore(config(), &snap[..n], Duration::ZERO).is_err(),
            "truncated at {n} accepted"
        );
    }
}

/// A client restored from `snap` is usable, against a broker that kept its
/// session (in-flight publishes are resent with their packet ids) and
/// against one that did not: it connects, a new QoS 1 publish completes,
/// everything it restored resolves (completed or reported), no packet id
/// stays taken, and the broker saw no protocol error.
fn assert_usable(snap: &[u8], what: &str) {
    for kept in [true, false] {
        let what = format!("{what}, session kept: {kept}");
        let client =
            Client::<Duration>::restore(config(), snap, Duration::ZERO).expect("restored before");
        let mut p = Pair::new(config(), Behaviour::default());
        if kept {
            let id = client.client_id().to_owned();
            p.broker.sessions.insert(id, Default::default());
        }
        p.client = client;
        p.client.connect(p.now);
        p.advance(Duration::from_secs(1));
        assert!(
            p.client.is_connected(),
            "{what}: did not connect: {:?}",
            p.events
        );
        let id = p
            .client
            .publish(p.now, msg("after/restore", b"x", QoS::AtLeastOnce))
            .unwrap_or_else(|e| panic!("{what}: publish refused: {e:?}"));
        p.advance(Duration::from_secs(1));
        assert!(
            p.events
                .iter()
                .any(|e| matches!(e, Event::PublishComplete { id: i, .. } if *i == id)),
            "{what}: new publish not completed: {:?}",
            p.events
        );
        // Every publish resolves once: ids are not handed out twice.
        let mut resolved = std::collections::BTreeSet::new();
        for e in &p.events {
            if let Event::PublishComplete { id, .. } | Event::PublishFailed { id, .. } = e {
                assert!(resolved.insert(*id), "{what}: {id:?} resolved twice");
            }
        }
        assert_eq!(p.client.pending_publishes(), 0, "{what}");
        assert_eq!(p.client.pending_requests(), 0, "{what}");
        assert_eq!(p.client.packet_ids_in_use(), 0, "{what}");
        assert!(
            p.broker.errors.is_empty(),
            "{what}: broker saw {:?}",
            p.broker.errors
        );
    }
}

#[test]
fn every_single_byte_corruption_is_a_typed_error_or_a_usable_client() {
    let (snap, _) = busy_session();
    assert_usable(&snap, "uncorrupted");
    let (mut refused, mut restored) = (0, 0);
    for i in 0..snap.len() {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut s = snap.clone();
            s[i] ^= flip;
            match Client::<Duration>::restore(config(), &s, Duration::ZERO) {
                Err(e) => {
                    // A variant about the bytes, not about the configuration.
                    assert!(
                        matches!(
                            e,
                            RestoreError::NotASnapshot
                                | RestoreError::UnsupportedVersion(_)
                                | RestoreError::Corrupt
                                | RestoreError::Packet(_)
                                | RestoreError::Mismatch
                        ),
                        "byte {i} ^ {flip:#x}: {e:?}"
                    );
                    refused += 1;
                }
                Ok(_) => {
                    assert_usable(&s, &format!("byte {i} ^ {flip:#x}"));
                    restored += 1;
                }
            }
        }
    }
    // Both outcomes occur: payload bytes can change freely, structure cannot.
    assert!(
        refused > 0 && restored > 0,
        "{refused} refused, {restored} restored"
    );
}

#[test]
fn a_snapshot_for_another_client_id_is_a_mismatch() {
    let (snap, _) = busy_session();
    assert_eq!(
        Client::<Duration>::restore(config().client_id("someone-else"), &snap, Duration::ZERO)
            .unwrap_err(),
        RestoreError::Mismatch
    );
}
