//! Durable sessions (`Config::durable`): the core says what to store, holds
//! back every byte that depends on it, and a client rebuilt from the store
//! after a crash at any byte loses no message and repeats no QoS 2 one.

#[path = "support/broker.rs"]
mod broker;

use std::collections::BTreeMap;
use std::time::Duration;

use broker::{config, msg, pid, resp, Behaviour, Pair};
use bytes::Bytes;
use mqtt_sansio::client::{
    Client, Config, Event, OutgoingPublish, PublishFailure, StoreKey, StoreOp,
};
use mqtt_sansio::codec::{Packet, Properties, Publish, QoS, ReasonCode};

type Store = BTreeMap<StoreKey, Vec<u8>>;

/// Records of unfinished flows (the publish-id counter aside).
fn flows(s: &Store) -> usize {
    s.keys().filter(|k| **k != StoreKey::NextPublishId).count()
}

fn durable() -> Config {
    config().clean_start(false).durable(true)
}

/// Applies every change the client asks for, then confirms.
fn store(client: &mut Client<Duration>, s: &mut Store) -> usize {
    let mut n = 0;
    while let Some(op) = client.poll_store() {
        n += 1;
        match op {
            StoreOp::Put { key, value } => {
                s.insert(key, value);
            }
            StoreOp::Remove { key } => {
                s.remove(&key);
            }
        }
    }
    client.handle_stored();
    n
}

/// Drives the pair, storing after every round, until nothing moves.
fn settle(p: &mut Pair, s: &mut Store) {
    loop {
        let stored = store(&mut p.client, s);
        let before = p.client_bytes;
        p.drive();
        if stored == 0 && p.client_bytes == before && store(&mut p.client, s) == 0 {
            p.drive();
            if p.client_bytes == before {
                return;
            }
        }
    }
}

fn restore(s: &Store) -> Client<Duration> {
    Client::restore_stored(
        durable(),
        s.iter().map(|(k, v)| (*k, &v[..])),
        Duration::ZERO,
    )
    .expect("the store restores")
}

fn no_acks() -> Behaviour {
    Behaviour {
        ack_publishes: false,
        route: false,
        ..Default::default()
    }
}

#[test]
fn a_qos1_publish_is_stored_before_any_byte_of_it_goes_out_and_forgotten_at_puback() {
    let mut p = Pair::connected(durable(), no_acks());
    let mut s = Store::new();
    p.client
        .publish(p.now, msg("t", b"x", QoS::AtLeastOnce))
        .unwrap();
    p.drive();
    assert!(
        p.broker.accepted.is_empty() && p.sent().len() == 1,
        "held: only CONNECT went out"
    );
    assert_eq!(store(&mut p.client, &mut s), 1);
    let (key, value) = s.iter().next().unwrap();
    assert!(matches!(key, StoreKey::Outbound(_)));
    assert_eq!(value[..2], [1, 1], "format 1, awaiting PUBACK");
    p.drive();
    assert_eq!(p.broker.accepted.len(), 1);
    let sent_pid = match p.sent().last() {
        Some(Packet::Publish(pb)) => pb.packet_id.unwrap(),
        other => panic!("{other:?}"),
    };
    p.broker_send(&Packet::PubAck(resp(sent_pid, ReasonCode::Success)));
    store(&mut p.client, &mut s);
    assert_eq!(flows(&s), 0, "completed flows are forgotten");
    // The id counter stays, so ids never repeat across restarts.
    let next = p.client.next_publish_id();
    assert_eq!(s[&StoreKey::NextPublishId], next.0.to_be_bytes());
    assert_eq!(restore(&s).next_publish_id(), next);
}

#[test]
fn pubrec_is_stored_before_pubrel_is_released_and_pubcomp_forgets_it() {
    let mut p = Pair::connected(durable(), no_acks());
    let mut s = Store::new();
    p.client
        .publish(p.now, msg("t", b"x", QoS::ExactlyOnce))
        .unwrap();
    settle(&mut p, &mut s);
    p.broker_send(&Packet::PubRec(resp(pid(1), ReasonCode::Success)));
    assert!(
        !p.sent().iter().any(|x| matches!(x, Packet::PubRel(_))),
        "PUBREL waits"
    );
    assert_eq!(store(&mut p.client, &mut s), 1);
    assert_eq!(s.values().next().unwrap()[1], 3, "awaiting PUBCOMP");
    p.drive();
    assert!(matches!(p.sent().last(), Some(Packet::PubRel(_))));
    // A crash here resumes with PUBREL, not the PUBLISH.
    let mut q = Pair::new(durable(), no_acks());
    q.client = restore(&s);
    q.broker.sessions = p.broker.sessions.clone();
    q.connect();
    let mut s2 = s.clone();
    settle(&mut q, &mut s2);
    assert!(q.sent().iter().any(|x| matches!(x, Packet::PubRel(_))));
    assert!(!q.sent().iter().any(|x| matches!(x, Packet::Publish(_))));
    p.broker_send(&Packet::PubComp(resp(pid(1), ReasonCode::Success)));
    store(&mut p.client, &mut s);
    assert_eq!(flows(&s), 0);
}

#[test]
fn an_inbound_qos2_id_is_stored_before_pubrec_and_a_restarted_client_does_not_deliver_it_again() {
    let cfg = || durable().manual_acks(true);
    let mut p = Pair::connected(cfg(), Behaviour::default());
    let mut s = Store::new();
    let publish = Packet::Publish(Publish {
        dup: false,
        qos: QoS::ExactlyOnce,
        retain: false,
        topic: "in".into(),
        packet_id: Some(pid(7)),
        properties: Properties::default(),
        payload: Bytes::from_static(b"once"),
    });
    p.broker_send(&publish);
    let token = p
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Message { ack, .. } => ack,
            _ => None,
        })
        .expect("delivered with a token");
    p.client.ack(p.now, token).unwrap();
    p.drive();
    assert!(
        !p.sent().iter().any(|x| matches!(x, Packet::PubRec(_))),
        "PUBREC waits"
    );
    store(&mut p.client, &mut s);
    assert_eq!(s.keys().next(), Some(&StoreKey::Inbound(pid(7))));
    p.drive();
    assert!(matches!(p.sent().last(), Some(Packet::PubRec(_))));

    // Killed before PUBREL: the broker resends the PUBLISH with DUP.
    let mut q = Pair::new(cfg(), Behaviour::default());
    q.broker.sessions = p.broker.sessions.clone();
    q.client = Client::restore_stored(cfg(), s.iter().map(|(k, v)| (*k, &v[..])), q.now).unwrap();
    q.connect();
    let mut dup = publish.clone();
    if let Packet::Publish(pb) = &mut dup {
        pb.dup = true;
    }
    q.broker_send(&dup);
    assert!(
        !q.take_events()
            .iter()
            .any(|e| matches!(e, Event::Message { .. })),
        "never delivered twice"
    );
    assert!(
        matches!(q.sent().last(), Some(Packet::PubRec(_))),
        "answered"
    );
    q.broker_send(&Packet::PubRel(resp(pid(7), ReasonCode::Success)));
    store(&mut q.client, &mut s);
    assert!(s.is_empty(), "PUBREL forgets the id");
}

#[test]
fn the_offline_queue_is_stored_and_a_qos0_message_from_it_is_forgotten_before_it_is_sent() {
    let mut c = Client::<Duration>::new(durable()).unwrap();
    let mut s = Store::new();
    c.publish(Duration::ZERO, msg("t", b"zero", QoS::AtMostOnce))
        .unwrap();
    c.publish(Duration::ZERO, msg("t", b"one", QoS::AtLeastOnce))
        .unwrap();
    store(&mut c, &mut s);
    assert_eq!(s.len(), 2, "both wait while disconnected");
    let mut p = Pair::new(durable(), no_acks());
    p.client = restore(&s);
    p.connect();
    assert!(
        p.broker.accepted.is_empty(),
        "held until the QoS 0 record is gone"
    );
    settle(&mut p, &mut s);
    let payloads: Vec<_> = p
        .broker
        .accepted
        .iter()
        .map(|m| m.payload.clone())
        .collect();
    assert_eq!(payloads, [&b"zero"[..], &b"one"[..]], "in order, once");
    assert_eq!(flows(&s), 1, "the QoS 1 one waits for PUBACK");
}

#[test]
fn a_publish_the_store_could_not_keep_fails_and_none_of_it_is_sent() {
    let mut p = Pair::connected(durable(), no_acks());
    let id = p
        .client
        .publish(p.now, msg("t", b"x", QoS::AtLeastOnce))
        .unwrap();
    while p.client.poll_store().is_some() {}
    p.client.handle_store_failed(p.now);
    p.drive();
    assert!(p.broker.accepted.is_empty(), "never sent");
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::PublishFailed { id: i, error: PublishFailure::StoreFailed } if *i == id
    )));
    assert!(p.events.iter().any(|e| matches!(
        e,
        Event::ConnectionLost {
            cause: mqtt_sansio::client::ConnectionError::StoreFailed,
            ..
        }
    )));
    assert_eq!(p.client.inflight_publishes(), 0);
    assert_eq!(p.client.packet_ids_in_use(), 0);
}

#[test]
fn without_durable_nothing_is_asked_and_nothing_is_held() {
    let mut p = Pair::connected(config(), no_acks());
    p.client
        .publish(p.now, msg("t", b"x", QoS::ExactlyOnce))
        .unwrap();
    assert_eq!(p.client.poll_store(), None);
    p.drive();
    assert_eq!(p.broker.accepted.len(), 1);
}

#[test]
fn store_keys_round_trip_and_other_bytes_are_refused() {
    for k in [
        StoreKey::Outbound(Client::<Duration>::new(config()).unwrap().next_publish_id()),
        StoreKey::Inbound(pid(65535)),
        StoreKey::NextPublishId,
    ] {
        assert_eq!(StoreKey::from_bytes(&k.to_bytes()), Some(k));
    }
    assert_eq!(
        StoreKey::from_bytes(&[2, 0, 0, 0, 0, 0, 0, 0, 0]),
        None,
        "packet id 0"
    );
    assert_eq!(
        StoreKey::from_bytes(&[2, 0, 0, 0, 0, 0, 1, 0, 0]),
        None,
        "beyond u16"
    );
    assert_eq!(StoreKey::from_bytes(&[3, 0, 0, 0, 0, 0, 0, 0, 1]), None);
    assert_eq!(StoreKey::from_bytes(&[4, 0, 0, 0, 0, 0, 0, 0, 0]), None);
    assert_eq!(StoreKey::from_bytes(&[1, 0]), None);
}

#[test]
fn corrupt_records_are_a_typed_error() {
    let mut c = Client::<Duration>::new(durable()).unwrap();
    let mut s = Store::new();
    c.publish(Duration::ZERO, msg("t", b"x", QoS::AtLeastOnce))
        .unwrap();
    store(&mut c, &mut s);
    let (k, v) = s.iter().next().unwrap();
    for cut in 0..v.len() {
        let r = Client::<Duration>::restore_stored(durable(), [(*k, &v[..cut])], Duration::ZERO);
        assert!(r.is_err(), "a record cut at {cut} bytes is refused");
    }
    let mut bad = v.clone();
    bad[1] = 9;
    assert!(
        Client::<Duration>::restore_stored(durable(), [(*k, &bad[..])], Duration::ZERO).is_err()
    );
    let r = Client::<Duration>::restore_stored(
        durable(),
        [(StoreKey::Inbound(pid(1)), &b"x"[..])],
        Duration::ZERO,
    );
    assert!(r.is_err(), "an inbound record holds nothing");
    assert!(
        Client::<Duration>::restore_stored(config(), [], Duration::ZERO).is_err(),
        "needs a durable config"
    );
}

/// The process is killed once its output reaches byte `cut` (and the
/// connection with it); a new process starts from the store. 20 messages,
/// QoS 1 and 2 alternating, a window of 4.
fn crash_at(cut: usize) -> Result<bool, String> {
    let cfg = || durable().max_inflight(4);
    let mut p = Pair::connected(
        cfg(),
        Behaviour {
            route: false,
            ..Default::default()
        },
    );
    let mut s = Store::new();
    for i in 0..20u8 {
        let qos = if i % 2 == 0 {
            QoS::AtLeastOnce
        } else {
            QoS::ExactlyOnce
        };
        p.client
            .publish(p.now, OutgoingPublish::new("t", vec![i], qos))
            .unwrap();
        store(&mut p.client, &mut s);
    }
    p.cut_client_at = Some(p.client_bytes + cut);
    settle(&mut p, &mut s);
    let crashed = p.cut_client_at.is_none();
    if crashed {
        let sessions = p.broker.sessions.clone();
        let accepted = std::mem::take(&mut p.broker.accepted);
        let mut q = Pair::new(
            cfg(),
            Behaviour {
                route: false,
                ..Default::default()
            },
        );
        q.broker.sessions = sessions;
        q.broker.accepted = accepted;
        q.client = Client::restore_stored(cfg(), s.iter().map(|(k, v)| (*k, &v[..])), q.now)
            .map_err(|e| format!("restore: {e:?}"))?;
        q.connect();
        settle(&mut q, &mut s);
        p = q;
    }
    let mut seen = [0usize; 20];
    for m in &p.broker.accepted {
        seen[m.payload[0] as usize] += 1;
    }
    for (i, n) in seen.iter().enumerate() {
        if *n == 0 {
            return Err(format!("message {i} lost"));
        }
        if i % 2 == 1 && *n > 1 {
            return Err(format!("QoS 2 message {i} accepted {n} times"));
        }
    }
    if !p.broker.errors.is_empty() {
        return Err(format!("broker saw {:?}", p.broker.errors));
    }
    if flows(&s) != 0 {
        return Err(format!("{} records left after every flow ended", flows(&s)));
    }
    Ok(crashed)
}

#[test]
fn a_crash_at_every_byte_of_a_qos1_and_qos2_stream_loses_nothing_and_repeats_no_qos2_message() {
    let mut cut = 0;
    // Every byte of the stream, until a cut beyond its end (no crash).
    while crash_at(cut).unwrap_or_else(|e| panic!("cut at byte {cut}: {e}")) {
        cut += 1;
    }
    assert!(cut >= 150, "the stream is {cut} bytes");
}
